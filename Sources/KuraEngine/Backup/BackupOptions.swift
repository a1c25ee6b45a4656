import Foundation

/// What to back up and how.
public struct BackupOptions: Sendable {
    public var subject: String
    public var paths: [String]
    /// Files naming more paths (read when the backup starts), added to `paths`.
    public var pathLists: [PathList] = []
    public var tags: [String] = []
    public var excludes: [String] = []
    public var oneFileSystem = false
    /// A directory holding a valid CACHEDIR.TAG is kept with only its tag file.
    public var excludeCaches = false
    /// A directory holding one of these files is left out, itself included.
    public var excludeIfPresent: [ExclusionMarker] = []
    /// Regular files larger than this many bytes are left out (and counted).
    public var excludeLargerThan: Int64?
    public var host: String = ProcessInfo.processInfo.hostName
    /// Count what the backup will see on a parallel metadata walk, for totals and an ETA in
    /// progress reports. Costs a second walk of the directories, so only when progress shows.
    public var estimateTotals = false
    /// Back up this stream as one file instead of `paths` (`--stdin`, `--stdin-from-command`).
    public var stream: StreamSource?

    public init(subject: String, paths: [String]) {
        self.subject = subject
        self.paths = paths
    }

    /// Exclude patterns from a file: one per line, blank lines and `#` comments ignored.
    public static func excludePatterns(fromFile path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }
}

/// Data that comes from a pipe rather than a file: standard input, or the output of a command
/// such as pg_dump. It is stored as one regular file, `/NAME`, mode 0600 (dumps often hold
/// secrets), owned by the user running the backup, with the backup's time as its mtime.
public struct StreamSource: Sendable {
    public var filename: String
    public var descriptor: Int32
    /// Called when the stream has ended, before anything refers to its content: throwing
    /// (a dump command that exited non-zero) means no generation is written.
    public var finished: @Sendable () throws -> Void

    public init(filename: String, descriptor: Int32, finished: @escaping @Sendable () throws -> Void = {}) {
        self.filename = filename
        self.descriptor = descriptor
        self.finished = finished
    }

    /// Why `name` cannot be a stream's file name, or nil.
    public static func problem(withName name: String) -> String? {
        name.isEmpty || name == "." || name == ".." || name.contains("/") || name.contains("\0")
            ? "a file name for the stream is one path component (no /), not \"\(name)\"" : nil
    }
}

/// Running totals, reported while a backup runs.
public struct BackupProgress: Sendable {
    public var files = 0
    public var directories = 0
    public var bytesSeen: Int64 = 0
    public var bytesRead: Int64 = 0
    public var currentPath = ""
    /// Seconds since the backup started.
    public var elapsed: TimeInterval = 0
    /// What the whole backup will see, once a parallel metadata walk has counted it.
    public var totalFiles: Int?
    public var totalBytes: Int64?

    /// Seconds left at the rate so far, once totals are known and some bytes were seen.
    public var estimatedSecondsLeft: TimeInterval? {
        guard let totalBytes, bytesSeen > 0, elapsed >= 1 else { return nil }
        return max(0, Double(totalBytes - bytesSeen) / (Double(bytesSeen) / elapsed))
    }
}

/// Turns a path as typed into an absolute, lexically normalised one ("." and ".." resolved,
/// no trailing slash), without following symlinks.
func absolutePath(_ path: String) -> String {
    let joined = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    var parts: [Substring] = []
    for part in joined.split(separator: "/") {
        if part == "." { continue }
        if part == ".." { _ = parts.popLast(); continue }
        parts.append(part)
    }
    return "/" + parts.joined(separator: "/")
}
