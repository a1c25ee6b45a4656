/// Builds a packet's payload in the big-endian encodings SFTP and the serve protocol use.
public struct PacketWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func uint8(_ value: UInt8) { bytes.append(value) }

    public mutating func uint32(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    public mutating func uint64(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// A uint32 length, then the bytes.
    public mutating func data(_ value: [UInt8]) {
        uint32(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    /// A uint32 length, then the UTF-8 bytes.
    public mutating func string(_ value: String) { data(Array(value.utf8)) }

    /// Bytes with no length in front.
    public mutating func raw(_ value: [UInt8]) { bytes.append(contentsOf: value) }
}

/// Reads a packet's payload; every read throws `PacketReader.Truncated` past the end, so a
/// short or hostile packet is an error, never a trap.
public struct PacketReader: Sendable {
    public struct Truncated: Error, Sendable {}

    private let bytes: [UInt8]
    public private(set) var offset: Int

    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    /// Bytes not read yet.
    public var remaining: Int { bytes.count - offset }

    public mutating func uint8() throws(Truncated) -> UInt8 {
        let byte = try take(1)
        return byte[byte.startIndex]
    }

    public mutating func uint32() throws(Truncated) -> UInt32 { try take(4).reduce(0) { $0 << 8 | UInt32($1) } }

    public mutating func uint64() throws(Truncated) -> UInt64 { try take(8).reduce(0) { $0 << 8 | UInt64($1) } }

    /// A uint32 length, then that many bytes.
    public mutating func data() throws(Truncated) -> [UInt8] {
        let length = Int(try uint32())
        return Array(try take(length))
    }

    /// A uint32 length, then UTF-8 (invalid bytes read as U+FFFD).
    public mutating func string() throws(Truncated) -> String { String(decoding: try data(), as: UTF8.self) }

    /// The next `count` bytes with no length in front.
    public mutating func take(_ count: Int) throws(Truncated) -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else { throw Truncated() }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }
}
