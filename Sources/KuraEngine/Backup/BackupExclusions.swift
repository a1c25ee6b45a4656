import Foundation

/// `--exclude-if-present NAME[:HEADER]`: a directory holding a file NAME (that starts with
/// HEADER, when given) is left out of the backup, the directory itself included.
public struct ExclusionMarker: Sendable, Equatable {
    public var name: String
    public var header: [UInt8]?

    /// Parses `NAME` or `NAME:HEADER`; throws `badMarker` when NAME is not one file name.
    public init(parsing text: String) throws(ExclusionError) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts[0])
        guard !name.isEmpty, name != ".", name != "..", !name.contains("/") else { throw .badMarker(text) }
        self.name = name
        header = parts.count == 2 ? Array(parts[1].utf8) : nil
    }

    /// Whether `directory` holds the marker.
    func isPresent(in directory: RawPath) -> Bool {
        let file = directory.appending(Array(name.utf8))
        guard let header else {
            var info = stat()
            return file.withCString { lstat($0, &info) } == 0
        }
        return Self.file(file, startsWith: header)
    }

    /// The signature a CACHEDIR.TAG must start with (bford.info/cachedir).
    static let cacheSignature = Array("Signature: 8a477f597d28d172789f06886806bc55".utf8)

    /// Whether `file` is a regular file (not a symlink) whose first bytes are `prefix`.
    static func file(_ file: RawPath, startsWith prefix: [UInt8]) -> Bool {
        let descriptor = file.withCString { open($0, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK) }
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return false }
        var bytes = [UInt8](repeating: 0, count: prefix.count)
        var filled = 0
        while filled < prefix.count {
            let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + filled, prefix.count - filled) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return false }
            filled += count
        }
        return bytes == prefix
    }
}

/// Sizes as `--exclude-larger-than` takes them: a whole number of bytes, or with a binary
/// suffix K, M, G or T (1K = 1024), optionally followed by B or iB ("500M", "2GiB").
public enum FileSizeLimit {
    public static func parse(_ text: String) throws(ExclusionError) -> Int64 {
        var digits = Substring(text.trimmingCharacters(in: .whitespaces).uppercased())
        if digits.hasSuffix("IB") { digits = digits.dropLast(2) } else if digits.hasSuffix("B") { digits = digits.dropLast() }
        var shift: Int64 = 0
        if let last = digits.last, let position = "KMGT".firstIndex(of: last) {
            shift = Int64("KMGT".distance(from: "KMGT".startIndex, to: position) + 1) * 10
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let number = Int64(digits), number >= 0,
              number <= Int64.max >> shift else { throw .badSize(text) }
        return number << shift
    }
}

/// Why an exclusion option cannot be used.
public enum ExclusionError: Error, CustomStringConvertible, Equatable {
    case badMarker(String)
    case badSize(String)

    public var description: String {
        switch self {
        case .badMarker(let text):
            "--exclude-if-present \"\(text)\": expected NAME or NAME:HEADER, NAME one file name (no /)"
        case .badSize(let text):
            "--exclude-larger-than \"\(text)\" is not a size; expected a whole number with K, M, G or T (binary, e.g. 500M, 2G)"
        }
    }
}
