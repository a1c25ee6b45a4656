import CLinux
import Foundation
import KuraCrypto

/// Everything backup and restore must preserve about one file-system entry.
struct EntryFacts: Equatable, CustomStringConvertible {
    var type: mode_t
    var mode: mode_t
    var uid: uid_t
    var gid: gid_t
    var size: Int64
    var mtime: Int64
    var mtimeNanoseconds: Int
    var content: String?
    var linkTarget: [UInt8]?
    var xattrs: [String: [UInt8]]
    /// The first path (in sorted order) sharing this entry's inode, for hard links.
    var linkGroup: String?
    var device: UInt64?

    var description: String {
        "type \(String(type, radix: 8)) mode \(String(mode, radix: 8)) \(uid):\(gid) size \(size) mtime \(mtime).\(mtimeNanoseconds) "
            + "content \(content ?? "-") link \(linkTarget.map { String(decoding: $0, as: UTF8.self) } ?? "-") xattrs \(xattrs.keys.sorted()) group \(linkGroup ?? "-")"
    }
}

/// Walks a tree with lstat and records the facts of every entry, keyed by relative path
/// (raw bytes, so non-UTF-8 names compare exactly).
enum TreeSnapshot {
    static func take(_ root: String, compareDirectoryTimes: Bool = true) throws -> [[UInt8]: EntryFacts] {
        var result: [[UInt8]: EntryFacts] = [:]
        var inodes: [UInt64: [UInt8]] = [:]
        func walk(_ relative: [UInt8]) throws {
            let path = Array(root.utf8) + relative
            var info = stat()
            guard withRaw(path, { lstat($0, &info) }) == 0 else { throw POSIXError(.ENOENT) }
            let type = info.st_mode & S_IFMT
            var facts = EntryFacts(type: type, mode: info.st_mode & 0o7777, uid: info.st_uid, gid: info.st_gid,
                                   size: type == S_IFREG ? Int64(info.st_size) : 0,
                                   mtime: Int64(info.st_mtim.tv_sec), mtimeNanoseconds: info.st_mtim.tv_nsec,
                                   content: nil, linkTarget: nil, xattrs: xattrs(path), linkGroup: nil, device: nil)
            if type == S_IFDIR && !compareDirectoryTimes { facts.mtime = 0; facts.mtimeNanoseconds = 0 }
            if type == S_IFLNK {
                var buffer = [UInt8](repeating: 0, count: 4096)
                let count = withRaw(path) { cPath in
                    buffer.withUnsafeMutableBytes { readlink(cPath, $0.baseAddress!.assumingMemoryBound(to: CChar.self), 4096) }
                }
                facts.linkTarget = Array(buffer[..<max(0, count)])
                facts.mtime = 0
                facts.mtimeNanoseconds = 0
            }
            if type == S_IFREG {
                facts.content = try contentHash(path)
                if info.st_nlink > 1 {
                    let key = UInt64(info.st_ino)
                    if inodes[key] == nil { inodes[key] = relative }
                    facts.linkGroup = String(decoding: inodes[key]!, as: UTF8.self)
                }
            }
            if type == S_IFCHR || type == S_IFBLK { facts.device = UInt64(info.st_rdev) }
            result[relative] = facts
            if type == S_IFDIR {
                guard let directory = withRaw(path, { opendir($0) }) else { return }
                var names: [[UInt8]] = []
                while let entry = readdir(directory) {
                    let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
                    if name != [0x2E], name != [0x2E, 0x2E] { names.append(name) }
                }
                closedir(directory)
                for name in names.sorted(by: { $0.lexicographicallyPrecedes($1) }) { try walk(relative + [0x2F] + name) }
            }
        }
        try walk([])
        return result
    }

    /// SHA-256 of a file named by raw bytes (Foundation's URLs would mangle non-UTF-8 names).
    static func contentHash(_ path: [UInt8]) throws -> String {
        let descriptor = withRaw(path) { open($0, O_RDONLY) }
        guard descriptor >= 0 else { throw POSIXError(.ENOENT) }
        defer { close(descriptor) }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            hasher.update(buffer[..<count])
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Calls `body` with the path as a C string, byte for byte.
    static func withRaw<R>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
        (path + [0]).map { CChar(bitPattern: $0) }.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    static func xattrs(_ path: [UInt8]) -> [String: [UInt8]] {
        withRaw(path) { xattrs(cPath: $0) }
    }

    static func xattrs(cPath file: UnsafePointer<CChar>) -> [String: [UInt8]] {
        let size = llistxattr(file, nil, 0)
        guard size > 0 else { return [:] }
        var names = [CChar](repeating: 0, count: size)
        let listed = llistxattr(file, &names, size)
        var result: [String: [UInt8]] = [:]
        for raw in names[..<max(0, listed)].split(separator: 0) {
            let name = String(decoding: raw.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            var value = [UInt8](repeating: 0, count: 65536)
            let count = value.withUnsafeMutableBytes { lgetxattr(file, name, $0.baseAddress, 65536) }
            if count >= 0 { result[name] = Array(value[..<count]) }
        }
        return result
    }

    /// Differences between two snapshots, for a readable failure message.
    static func differences(_ a: [[UInt8]: EntryFacts], _ b: [[UInt8]: EntryFacts]) -> [String] {
        var lines: [String] = []
        for key in Set(a.keys).union(b.keys).sorted(by: { $0.lexicographicallyPrecedes($1) }) where a[key] != b[key] {
            let name = String(decoding: key, as: UTF8.self)
            lines.append("\(name): \(a[key]?.description ?? "missing") vs \(b[key]?.description ?? "missing")")
            if lines.count >= 10 { break }
        }
        return lines
    }
}
