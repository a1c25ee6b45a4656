import Foundation
import KuraCrypto
import KuraRepository

/// Compares one restored entry on disk with its node in the generation: type, mode, owner,
/// mtime, symlink target, device number, xattrs, size and holes. Contents are compared
/// separately (`RestoreVerifier`), against the blobs' keyed IDs.
public enum RestoredEntryCheck {
    /// What the comparison can expect of this restore and this file system.
    public struct Scope: Sendable {
        /// Owners are only restored when running as root.
        public var owner: Bool
        /// Placeholders (files restored without contents) have no size to compare.
        public var size: Bool
        /// Whether a sparse node's file must show holes: the scratch file system keeps them
        /// (see `fileSystemKeepsHoles`) and its contents have zeros restore leaves as holes.
        public var holes: Bool

        public init(owner: Bool, size: Bool, holes: Bool) {
            self.owner = owner
            self.size = size
            self.holes = holes
        }
    }

    /// Every way the entry at `path` differs from `node`, one phrase each; empty when it matches.
    public static func differences(_ node: Node, at path: RawPath, scope: Scope) -> [String] {
        let info: stat
        do {
            info = try FileSystem.lstat(path)
        } catch {
            return ["missing"]
        }
        let type = info.st_mode & S_IFMT
        guard type == fileType(node.kind) else {
            return ["is a \(kindName(type)), the generation has a \(node.kind.rawValue)"]
        }
        var problems: [String] = []
        let mode = UInt32(info.st_mode & 0o7777)
        if node.kind != .symlink, mode != node.mode {
            problems.append("mode is \(String(mode, radix: 8)), the generation has \(String(node.mode, radix: 8))")
        }
        if scope.owner, info.st_uid != node.uid || info.st_gid != node.gid {
            problems.append("owner is \(info.st_uid):\(info.st_gid), the generation has \(node.uid):\(node.gid)")
        }
        let mtime = Timestamp(info.st_mtim)
        if mtime != node.mtime {
            problems.append("mtime is \(mtime.seconds).\(mtime.nanoseconds), the generation has \(node.mtime.seconds).\(node.mtime.nanoseconds)")
        }
        switch node.kind {
        case .symlink:
            let expected = node.rawLinkTarget.flatMap { Base64.decodeCanonicalPadded($0) } ?? Array((node.linkTarget ?? "").utf8)
            if (try? FileSystem.readLink(path)) != expected { problems.append("symlink target differs") }
        case .characterDevice, .blockDevice:
            if UInt64(info.st_rdev) != node.deviceNumber ?? 0 { problems.append("device number differs") }
        case .file where scope.size:
            if Int64(info.st_size) != node.size {
                problems.append("size is \(info.st_size), the generation has \(node.size)")
            } else if scope.holes, node.sparse == true, Int64(info.st_blocks) * 512 >= node.size {
                problems.append("restored without holes, the generation's file is sparse")
            }
        default:
            break
        }
        problems += xattrDifferences(node, at: path)
        return problems
    }

    /// Whether files in `directory` keep holes: a 1 MiB file with one byte written at its end
    /// allocates less than 1 MiB. Sparse checks are skipped where it does not.
    public static func fileSystemKeepsHoles(in directory: String) -> Bool {
        let probe = RawPath(directory).appending(Array(".kura-hole-probe-\(UInt32.random(in: 0...UInt32.max))".utf8))
        let descriptor = probe.withCString { open($0, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600) }
        guard descriptor >= 0 else { return false }
        defer {
            close(descriptor)
            _ = probe.withCString(unlink)
        }
        var byte: UInt8 = 1
        guard pwrite(descriptor, &byte, 1, 1024 * 1024 - 1) == 1, fsync(descriptor) == 0 else { return false }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return false }
        return Int64(info.st_blocks) * 512 < 1024 * 1024
    }

    /// The node's xattrs must all be there with the same values; extra ones are differences
    /// too, except `security.*` labels the scratch file system may add by itself.
    private static func xattrDifferences(_ node: Node, at path: RawPath) -> [String] {
        let restored = FileSystem.xattrs(path)
        var problems: [String] = []
        var expected: [String: [UInt8]] = [:]
        for (name, value) in node.xattrs ?? [:] { expected[name] = Base64.decodeCanonicalPadded(value) ?? [] }
        for name in expected.keys.sorted() {
            guard let value = restored[name] else {
                problems.append("xattr \(name) is missing")
                continue
            }
            if value != expected[name] { problems.append("xattr \(name) has another value") }
        }
        for name in restored.keys.sorted() where expected[name] == nil && !name.hasPrefix("security.") {
            problems.append("xattr \(name) is not in the generation")
        }
        return problems
    }

    static func fileType(_ kind: Node.Kind) -> mode_t {
        switch kind {
        case .file: S_IFREG
        case .directory: S_IFDIR
        case .symlink: S_IFLNK
        case .fifo: S_IFIFO
        case .socket: S_IFSOCK
        case .characterDevice: S_IFCHR
        case .blockDevice: S_IFBLK
        }
    }

    private static func kindName(_ type: mode_t) -> String {
        switch type {
        case S_IFREG: "file"
        case S_IFDIR: "directory"
        case S_IFLNK: "symlink"
        case S_IFIFO: "fifo"
        case S_IFSOCK: "socket"
        case S_IFCHR: "characterDevice"
        case S_IFBLK: "blockDevice"
        default: "special file"
        }
    }
}
