import Foundation

/// A file that names the paths to back up (`--files-from`, `--files-from-verbatim`,
/// `--files-from-raw`, or `files-from…` in the policy), read when the backup starts so a list
/// written by `find` just before is what is backed up. `-` is standard input.
public struct PathList: Sendable, Equatable {
    /// How the file separates and marks its paths.
    public enum Format: String, Sendable {
        /// One path per line; surrounding spaces, tabs and a trailing CR are removed, blank
        /// lines and lines starting with `#` are ignored.
        case lines = "files-from"
        /// One path per line, taken exactly: nothing trimmed, nothing ignored.
        case verbatim = "files-from-verbatim"
        /// Paths separated (or terminated) by NUL bytes, as `find -print0` writes them.
        case nulSeparated = "files-from-raw"
    }

    /// The file's path, or `-` for standard input.
    public var file: String
    public var format: Format

    public init(file: String, format: Format) {
        self.file = file
        self.format = format
    }

    /// How the list is named in messages: `standard input` or the file.
    var shownName: String { file == "-" ? "standard input" : file }

    /// The paths the list names, in its order; relative ones are relative to the current folder.
    public func paths() throws(PathListError) -> [String] {
        let descriptor = file == "-" ? 0 : open(file, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unreadable(file, format: format, reason: String(cString: strerror(errno))) }
        defer { if descriptor != 0 { close(descriptor) } }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadable(shownName, format: format, reason: String(cString: strerror(errno)))
            }
            bytes += buffer[..<count]
        }
        return try parse(bytes)
    }

    /// The paths in `bytes`, the list's content.
    func parse(_ bytes: [UInt8]) throws(PathListError) -> [String] {
        let separator: UInt8 = format == .nulSeparated ? 0 : 0x0A
        var entries = bytes.split(separator: separator, omittingEmptySubsequences: false)
        if bytes.last == separator || bytes.isEmpty { entries.removeLast() }   // a terminator, not an empty entry
        var paths: [String] = []
        for (index, entry) in entries.enumerated() {
            guard let text = String(bytes: entry, encoding: .utf8) else {
                throw .notUTF8(shownName, format: format, entry: index + 1)
            }
            switch format {
            case .lines:
                let trimmed = text.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\r")))
                if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
                paths.append(trimmed)
            case .verbatim, .nulSeparated:
                guard !text.isEmpty else { throw .emptyPath(shownName, format: format, entry: index + 1) }
                paths.append(text)
            }
        }
        return paths
    }
}

/// Why a list of paths to back up cannot be used.
public enum PathListError: Error, CustomStringConvertible, Equatable {
    case unreadable(String, format: PathList.Format, reason: String)
    /// Entry `entry` (a line, or a NUL-separated name) is not UTF-8.
    case notUTF8(String, format: PathList.Format, entry: Int)
    /// An empty entry where every entry must be a path.
    case emptyPath(String, format: PathList.Format, entry: Int)
    /// The lists, and the command line, named no path at all.
    case nothingListed([String])

    public var description: String {
        switch self {
        case .unreadable(let file, let format, let reason):
            "cannot read the --\(format.rawValue) list \(file): \(reason); nothing was backed up"
        case .notUTF8(let file, let format, let entry):
            "\(file):\(entry): \(format == .nulSeparated ? "name" : "line") \(entry) of the --\(format.rawValue) list "
                + "is not UTF-8; Kura takes listed paths as UTF-8 (name such a path's folder instead)"
        case .emptyPath(let file, let format, let entry):
            "\(file):\(entry): \(format == .nulSeparated ? "name" : "line") \(entry) of the --\(format.rawValue) list "
                + "is empty; every entry of that list is a path (use --files-from to skip blank lines)"
        case .nothingListed(let files):
            "\(files.joined(separator: ", ")) \(files.count == 1 ? "lists" : "list") no paths; nothing was backed up"
        }
    }
}
