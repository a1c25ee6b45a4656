import Foundation

/// A failure as it travels from `kura serve` to its client: a `StorageError` whose paths are
/// relative to the repository folder, so the client names them under its own location
/// (`ssh://host/srv/kura/index/…`), never the server's view of the disk.
struct ServeFailure: Error, Equatable, Sendable {
    enum Code: UInt32, Sendable {
        case locationMissing = 1
        case locationNotEmpty = 2
        case notFound = 3
        case invalidName = 4
        case shortRead = 5
        case permissionDenied = 6
        case noSpace = 7
        case ioFailure = 8
        /// `--append-only` refused a delete or a replacement; `reason` is the action.
        case appendOnly = 9
        /// `--restrict-to` does not allow the hello's path; `subject` is the allowed folders, one a line.
        case pathNotAllowed = 10
        /// A packet the server cannot parse, or a request before the hello.
        case badRequest = 11
        /// An object too large for one packet; `expected` is its size.
        case tooLarge = 12
        /// A packet type or version this server does not know.
        case unsupported = 13
    }

    var code: Code
    /// The path under the repository folder, the object (`kind/name`) or the allowed folders.
    var subject: String
    var reason: String
    var expected = 0
    var got = 0
    var retryable = false

    init(_ code: Code, subject: String = "", reason: String = "", expected: Int = 0, got: Int = 0, retryable: Bool = false) {
        self.code = code
        self.subject = subject
        self.reason = reason
        self.expected = expected
        self.got = got
        self.retryable = retryable
    }

    /// What the served folder threw, its paths made relative to `root`.
    init(_ error: any Error, root: String) {
        func relative(_ path: String) -> String {
            path == root ? "" : path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : (path as NSString).lastPathComponent
        }
        switch error {
        case let failure as ServeFailure: self = failure
        case let error as StorageError:
            switch error {
            case .locationMissing: self.init(.locationMissing)
            case .locationNotEmpty: self.init(.locationNotEmpty)
            case .notFound(let name): self.init(.notFound, subject: name.description)
            case .invalidName(let name): self.init(.invalidName, subject: name)
            case .shortRead(let name, let expected, let got): self.init(.shortRead, subject: name.description, expected: expected, got: got)
            case .permissionDenied(let path): self.init(.permissionDenied, subject: relative(path))
            case .noSpace(let path): self.init(.noSpace, subject: relative(path))
            case .ioFailure(let path, let reason, let retryable):
                self.init(.ioFailure, subject: relative(path), reason: reason, retryable: retryable)
            case .accessDenied(_, let reason): self.init(.ioFailure, reason: reason)
            case .appendOnly(let name, _, let action): self.init(.appendOnly, subject: name.description, reason: action)
            case .pathNotAllowed(_, let allowed): self.init(.pathNotAllowed, subject: allowed.joined(separator: "\n"))
            case .appendOnlyRefusesCommand: self.init(.ioFailure, reason: error.description)  // raised only by clients
            }
        default: self.init(.ioFailure, reason: "\(error)")
        }
    }

    func encode(id: UInt32) -> [UInt8] {
        var packet = PacketWriter()
        packet.uint8(ServeMessage.failure.rawValue)
        packet.uint32(id)
        packet.uint32(code.rawValue)
        packet.string(subject)
        packet.string(reason)
        packet.uint64(UInt64(expected))
        packet.uint64(UInt64(got))
        packet.uint8(retryable ? 1 : 0)
        return packet.bytes
    }

    /// The failure after the type and id; an unknown code reads as an I/O failure.
    static func decode(_ reader: inout PacketReader) throws -> ServeFailure {
        let code = try reader.uint32()
        let subject = try reader.string()
        let reason = try reader.string()
        let expected = try reader.count()
        let got = try reader.count()
        let retryable = try reader.uint8() == 1
        guard let known = Code(rawValue: code) else {
            return ServeFailure(.ioFailure, subject: subject, reason: reason.isEmpty ? "kura serve failed with code \(code)" : reason)
        }
        return ServeFailure(known, subject: subject, reason: reason, expected: expected, got: got, retryable: retryable)
    }

    /// The `StorageError` the layers above expect, naming `location` and the `object` asked about.
    func storageError(location: String, object: ObjectName?) -> StorageError {
        let shown = subject.isEmpty ? location : "\(location)/\(subject)"
        let named = object ?? Self.objectName(subject)
        switch code {
        case .locationMissing: return .locationMissing(location)
        case .locationNotEmpty: return .locationNotEmpty(location)
        case .notFound: if let named { return .notFound(named) }
        case .invalidName: return .invalidName(subject)
        case .shortRead: if let named { return .shortRead(named, expected: expected, got: got) }
        case .permissionDenied: return .permissionDenied(shown)
        case .noSpace: return .noSpace(shown)
        case .ioFailure: return .ioFailure(shown, reason: reason, retryable: retryable)
        case .appendOnly: if let named { return .appendOnly(named, location: location, action: reason) }
        case .pathNotAllowed:
            return .pathNotAllowed(location, allowed: subject.split(separator: "\n").map(String.init))
        case .badRequest, .tooLarge, .unsupported: break
        }
        return .ioFailure(location, reason: "kura serve refused the request (\(reason.isEmpty ? "\(code)" : reason))", retryable: false)
    }

    private static func objectName(_ text: String) -> ObjectName? {
        guard let slash = text.firstIndex(of: "/"), let kind = ObjectKind(rawValue: String(text[..<slash])) else { return nil }
        return try? ObjectName(kind, String(text[text.index(after: slash)...]))
    }
}
