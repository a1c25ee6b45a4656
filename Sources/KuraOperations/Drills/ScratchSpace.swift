import Foundation
import KuraEngine

/// Where a drill restores to: a private folder (0700) made for one drill under a scratch
/// root (--scratch, else $TMPDIR, else /var/tmp), removed when the drill ends.
public enum ScratchSpace {
    /// What a drill needs of the scratch file system.
    public struct Need: Sendable, Equatable {
        public var bytes: Int64
        public var inodes: Int64

        public init(bytes: Int64, inodes: Int64) {
            self.bytes = bytes
            self.inodes = inodes
        }

        /// The sampled contents plus a 4 KiB block for every entry (directories, symlinks
        /// and metadata); files outside the sample are empty placeholders.
        public static func of(sampledBytes: Int64, entries: Int) -> Need {
            Need(bytes: sampledBytes + 4096 * Int64(entries), inodes: Int64(entries) + 1)
        }
    }

    /// What the scratch file system has free for this user.
    public struct Free: Sendable, Equatable {
        public var bytes: Int64
        /// Nil where the file system does not count inodes (statvfs reports 0 of 0).
        public var inodes: Int64?

        public init(bytes: Int64, inodes: Int64?) {
            self.bytes = bytes
            self.inodes = inodes
        }
    }

    /// The scratch root: `requested`, else $TMPDIR, else /var/tmp (which, unlike /tmp, is
    /// rarely a small RAM disk).
    public static func root(requested: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let requested, !requested.isEmpty { return requested }
        if let temporary = environment["TMPDIR"], !temporary.isEmpty { return temporary }
        return "/var/tmp"
    }

    /// Nil when `free` holds `need`; else why not, for the admin.
    public static func shortfall(need: Need, free: Free, root: String) -> DrillError? {
        if free.bytes < need.bytes {
            return .notEnoughScratch(root: root, needed: need.bytes, free: free.bytes)
        }
        if let inodes = free.inodes, inodes < need.inodes {
            return .notEnoughScratchInodes(root: root, needed: need.inodes, free: inodes)
        }
        return nil
    }

    /// The free space of the file system holding `root`.
    public static func free(at root: String) throws -> Free {
        var info = statvfs()
        guard statvfs(root, &info) == 0 else { throw DrillError.scratchUnusable(root: root, reason: String(cString: strerror(errno))) }
        let inodes: Int64? = info.f_files == 0 ? nil : Int64(info.f_favail)
        return Free(bytes: Int64(info.f_bavail) * Int64(info.f_frsize), inodes: inodes)
    }

    /// Makes a new private folder for one drill under `root`, without a default ACL to pass
    /// on to what is restored into it.
    public static func create(in root: String, subject: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DrillError.scratchUnusable(root: root, reason: "no such directory")
        }
        let safeSubject = String(subject.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }.prefix(40))
        var template = Array((root.hasSuffix("/") ? root : root + "/").utf8CString.dropLast())
            + Array("kura-drill-\(safeSubject)-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else { throw DrillError.scratchUnusable(root: root, reason: String(cString: strerror(errno))) }
        let folder = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        InheritedACL.remove(from: folder)
        return folder
    }

    /// Removes a drill's folder and everything restored in it.
    public static func remove(_ path: String) throws {
        do {
            try TreeRemover.remove(path)
        } catch {
            throw DrillError.scratchNotRemoved(path: path, reason: "\(error)")
        }
    }
}
