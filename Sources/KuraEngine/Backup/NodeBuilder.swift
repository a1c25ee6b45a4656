import Foundation
import KuraCrypto
import KuraRepository

/// Builds tree nodes from stat(2) results.
enum NodeBuilder {
    static func kind(_ mode: mode_t) -> Node.Kind? {
        switch mode & S_IFMT {
        case S_IFREG: .file
        case S_IFDIR: .directory
        case S_IFLNK: .symlink
        case S_IFIFO: .fifo
        case S_IFSOCK: .socket
        case S_IFCHR: .characterDevice
        case S_IFBLK: .blockDevice
        default: nil
        }
    }

    static func node(name: [UInt8], info: stat, path: RawPath) -> Node? {
        guard let kind = kind(info.st_mode) else { return nil }
        let text = String(bytes: name, encoding: .utf8)
        var node = Node(name: text ?? String(decoding: name, as: UTF8.self),
                        rawName: text == nil ? Base64.encode(name, padded: true) : nil,
                        kind: kind, mode: UInt32(info.st_mode) & 0o7777, uid: info.st_uid, gid: info.st_gid,
                        mtime: Timestamp(info.st_mtim), ctime: Timestamp(info.st_ctim),
                        size: kind == .file || kind == .symlink ? Int64(info.st_size) : 0,
                        inode: UInt64(info.st_ino), device: UInt64(info.st_dev), links: UInt64(info.st_nlink))
        node.user = FileSystem.userName(info.st_uid)
        node.group = FileSystem.groupName(info.st_gid)
        if kind == .characterDevice || kind == .blockDevice { node.deviceNumber = UInt64(info.st_rdev) }
        let attributes = FileSystem.xattrs(path)
        if !attributes.isEmpty { node.xattrs = attributes.mapValues { Base64.encode($0, padded: true) } }
        if kind == .file, info.st_nlink > 1 { node.hardlinkKey = "\(info.st_dev):\(info.st_ino)" }
        if kind == .file, Int64(info.st_blocks) * 512 < Int64(info.st_size) { node.sparse = true }
        return node
    }

    /// The raw bytes of a node's name.
    static func nameBytes(_ node: Node) -> [UInt8] {
        node.rawName.flatMap { Base64.decodeCanonicalPadded($0) } ?? Array(node.name.utf8)
    }
}
