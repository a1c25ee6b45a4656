import Foundation

/// The numbers of the `kura serve` protocol (docs/SERVE.md): packet types, the version, the
/// limits. Every packet is a uint32 big-endian length and a payload whose byte 0 is the type
/// and bytes 1..<5 the request id (0 for the hello and its answer), as `PacketChannel` frames.
enum ServeMessage: UInt8 {
    // The greeting: the client names the repository, the server answers with what it allows.
    case hello = 1
    case welcome = 2
    // Requests, one per `StorageBackend` operation.
    case create = 10
    case exists = 11
    case put = 12
    case get = 13
    case getRange = 14
    case stat = 15
    case list = 16
    case delete = 17
    // Replies.
    case ok = 100
    case bool = 101
    case data = 102
    case info = 103
    case listing = 104
    case failure = 110
}

enum ServeProtocol {
    /// The text a hello starts with, so a stray program on the far side is told apart.
    static let magic = "kura-serve"
    /// The highest version this kura speaks; the hello offers it, the welcome names the one used.
    static let version: UInt32 = 1
    /// The largest packet either side accepts (a put or a get carries a whole object).
    static let maximumPacket = 256 << 20
    /// The most object bytes one packet carries, leaving room for the names around them.
    static let maximumData = maximumPacket - 4096
    /// Requests the server works on at once; more wait unread in the pipe.
    static let inFlight = 16
}

/// What the welcome says the server allows.
struct ServeFlags: OptionSet, Sendable {
    let rawValue: UInt32
    /// Deletes (but of locks) and replacements are refused.
    static let appendOnly = ServeFlags(rawValue: 1)
}

extension PacketWriter {
    mutating func object(_ name: ObjectName) {
        string(name.kind.rawValue)
        string(name.name)
    }

    /// A time as uint64 milliseconds since 1970, 0 when unknown.
    mutating func time(_ date: Date?) {
        uint64(date.map { UInt64(clamping: max(0, Int64(($0.timeIntervalSince1970 * 1000).rounded()))) } ?? 0)
    }
}

extension PacketReader {
    /// The kind and name `PacketWriter.object` wrote; `invalidName` for an unknown kind or a
    /// name that is not an object name.
    mutating func object() throws -> ObjectName {
        let kind = try string()
        let name = try string()
        guard let known = ObjectKind(rawValue: kind) else { throw StorageError.invalidName("\(kind)/\(name)") }
        return try ObjectName(known, name)
    }

    mutating func time() throws(Truncated) -> Date? {
        let milliseconds = try uint64()
        return milliseconds == 0 ? nil : Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000)
    }

    /// A uint64 that must fit an Int (offsets, lengths, sizes).
    mutating func count() throws -> Int {
        let value = try uint64()
        guard value <= UInt64(Int.max) else { throw Truncated() }
        return Int(value)
    }
}
