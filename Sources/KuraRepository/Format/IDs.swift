import KuraCrypto

/// A 32-byte identifier, shown as 64 hex digits.
public protocol ObjectID: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    var bytes: [UInt8] { get }
    init(bytes: [UInt8])
}

extension ObjectID {
    public init?(hex: String) {
        guard let bytes = Hex.decode(hex), bytes.count == 32 else { return nil }
        self.init(bytes: bytes)
    }

    public var hex: String { Hex.encode(bytes) }
    /// The first 8 hex digits, for listings.
    public var short: String { String(hex.prefix(8)) }
    public var description: String { hex }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let bytes = Hex.decode(text), bytes.count == 32 else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a 32-byte hex ID"))
        }
        self.init(bytes: bytes)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}

/// A blob's keyed ID: HMAC-SHA-256 of its plaintext under the repository's blob-ID key, so
/// it never reveals a plain content hash.
public struct BlobID: ObjectID { public let bytes: [UInt8]; public init(bytes: [UInt8]) { self.bytes = bytes } }
/// A pack's name: SHA-256 of its stored bytes.
public struct PackID: ObjectID { public let bytes: [UInt8]; public init(bytes: [UInt8]) { self.bytes = bytes } }
/// A generation record's name: SHA-256 of its stored bytes.
public struct GenerationID: ObjectID { public let bytes: [UInt8]; public init(bytes: [UInt8]) { self.bytes = bytes } }
/// An index file's name: SHA-256 of its stored bytes.
public struct IndexID: ObjectID { public let bytes: [UInt8]; public init(bytes: [UInt8]) { self.bytes = bytes } }
/// A key slot's random ID.
public struct KeyID: ObjectID { public let bytes: [UInt8]; public init(bytes: [UInt8]) { self.bytes = bytes } }
/// The repository's random ID, bound into every object's associated data.
public struct RepositoryID: ObjectID { public let bytes: [UInt8]; public init(bytes: [UInt8]) { self.bytes = bytes } }
/// An audit entry's ID: SHA-256 of its stored bytes.
public struct AuditEntryID: ObjectID { public let bytes: [UInt8]; public init(bytes: [UInt8]) { self.bytes = bytes } }
/// A drill record's name: SHA-256 of its stored bytes.
public struct DrillID: ObjectID { public let bytes: [UInt8]; public init(bytes: [UInt8]) { self.bytes = bytes } }

extension ObjectID {
    static func random() -> Self { Self(bytes: SecureRandom.bytes(32)) }
    static func hashing(_ data: [UInt8]) -> Self { Self(bytes: SHA256.hash(data)) }
}

enum Hex {
    static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count % 2 == 0 else { return nil }
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 97...102: c - 87
            default: nil
            }
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(characters.count / 2)
        var index = 0
        while index < characters.count {
            guard let high = value(characters[index]), let low = value(characters[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}
