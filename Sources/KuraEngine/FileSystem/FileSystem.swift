internal import CLinux
import Foundation
import KuraRepository

/// The system calls backup and restore make, in one place, each returning errno-bearing
/// errors that name the path.
enum FileSystem {
    /// O_NOATIME (Linux): reading for a backup should not touch access times.
    static let noAccessTime: Int32 = 0o1000000

    struct Failure: Error, CustomStringConvertible {
        let path: RawPath
        let operation: String
        let code: Int32
        var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }
    }

    static func lstat(_ path: RawPath) throws -> stat {
        var info = stat()
        guard path.withCString({ Glibc.lstat($0, &info) }) == 0 else { throw Failure(path: path, operation: "cannot stat", code: errno) }
        return info
    }

    /// What `path` leads to, following symlinks.
    static func statFollowingLinks(_ path: RawPath) throws -> stat {
        var info = stat()
        guard path.withCString({ fstatat(AT_FDCWD, $0, &info, 0) }) == 0 else {
            throw Failure(path: path, operation: "cannot stat", code: errno)
        }
        return info
    }

    static func fstat(_ descriptor: Int32, path: RawPath) throws -> stat {
        var info = stat()
        guard Glibc.fstat(descriptor, &info) == 0 else { throw Failure(path: path, operation: "cannot stat", code: errno) }
        return info
    }

    /// Directory entries as raw byte names (Linux names are bytes, not always UTF-8).
    static func entries(_ path: RawPath) throws -> [[UInt8]] {
        guard let directory = path.withCString(opendir) else { throw Failure(path: path, operation: "cannot list", code: errno) }
        defer { closedir(directory) }
        var names: [[UInt8]] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if name != [0x2E], name != [0x2E, 0x2E] { names.append(name) }
        }
        return names
    }

    static func readLink(_ path: RawPath) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = path.withCString { cPath in
            buffer.withUnsafeMutableBytes { readlink(cPath, $0.baseAddress!.assumingMemoryBound(to: CChar.self), 4096) }
        }
        guard count >= 0 else { throw Failure(path: path, operation: "cannot read link", code: errno) }
        return Array(buffer[..<count])
    }

    /// Extended attributes, name → value; empty where the file system has none.
    static func xattrs(_ path: RawPath) -> [String: [UInt8]] {
        path.withCString { path in
            let size = llistxattr(path, nil, 0)
            guard size > 0 else { return [:] }
            var names = [CChar](repeating: 0, count: size)
            let listed = llistxattr(path, &names, size)
            guard listed > 0 else { return [:] }
            var result: [String: [UInt8]] = [:]
            for raw in names[..<listed].split(separator: 0) {
                let name = String(decoding: raw.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                let length = lgetxattr(path, name, nil, 0)
                guard length >= 0 else { continue }
                var value = [UInt8](repeating: 0, count: length)
                let got = value.withUnsafeMutableBytes { lgetxattr(path, name, $0.baseAddress, length) }
                if got >= 0 { result[name] = Array(value[..<got]) }
            }
            return result
        }
    }

    static func setXattr(_ path: RawPath, name: String, value: [UInt8]) -> Int32 {
        path.withCString { path in value.withUnsafeBytes { lsetxattr(path, name, $0.baseAddress, $0.count, 0) } }
    }

    // The name caches are read and written only under `nameLock`.
    private static let nameLock = NSLock()
    nonisolated(unsafe) private static var users: [UInt32: String?] = [:]
    nonisolated(unsafe) private static var groups: [UInt32: String?] = [:]

    static func userName(_ uid: UInt32) -> String? {
        nameLock.withLock {
            if let cached = users[uid] { return cached }
            let name = getpwuid(uid).map { String(cString: $0.pointee.pw_name) }
            users[uid] = .some(name)  // a uid without a name is cached too
            return name
        }
    }

    static func groupName(_ gid: UInt32) -> String? {
        nameLock.withLock {
            if let cached = groups[gid] { return cached }
            let name = getgrgid(gid).map { String(cString: $0.pointee.gr_name) }
            groups[gid] = .some(name)
            return name
        }
    }
}

extension Timestamp {
    init(_ spec: timespec) {
        self.init(seconds: Int64(spec.tv_sec), nanoseconds: Int32(spec.tv_nsec))
    }

    var timespec: Glibc.timespec { Glibc.timespec(tv_sec: Int(seconds), tv_nsec: Int(nanoseconds)) }
}
