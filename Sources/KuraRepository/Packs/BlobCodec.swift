import CZstd
import KuraCrypto

/// What a blob holds.
public enum BlobType: UInt8, Codable, Sendable {
    case data = 0
    case tree = 1
}

/// Turns a blob's plaintext into what is encrypted in a pack, and back: zstd compression
/// where it pays, then padding to a size bucket so stored sizes reveal less about chunk
/// boundaries (docs/FORMAT.md, "What storage can learn").
///
/// Layout before encryption: flags (1 byte: 0 raw, 1 zstd), payload length (4, little
/// endian), payload, zero padding.
enum BlobCodec {
    static let headerSize = 5
    /// Blobs larger than this are refused when decoding (a hostile length cannot make Kura
    /// allocate more).
    static let maximumRawSize = 64 * 1024 * 1024

    static func encode(_ plaintext: UnsafeRawBufferPointer) -> [UInt8] {
        var payload = compress(plaintext)
        let flags: UInt8
        if let compressed = payload, compressed.count < plaintext.count - plaintext.count / 32 {
            flags = 1
        } else {
            payload = nil
            flags = 0
        }
        let length = payload?.count ?? plaintext.count
        let padded = paddedSize(headerSize + length)
        var out = [UInt8](repeating: 0, count: padded)
        out[0] = flags
        withUnsafeBytes(of: UInt32(length).littleEndian) { out.replaceSubrange(1..<5, with: $0) }
        if let payload {
            out.replaceSubrange(5..<(5 + length), with: payload)
        } else if length > 0 {
            out.withUnsafeMutableBytes { $0.baseAddress!.advanced(by: 5).copyMemory(from: plaintext.baseAddress!, byteCount: length) }
        }
        return out
    }

    static func decode(_ stored: [UInt8], rawSize: Int) throws -> [UInt8] {
        guard stored.count >= headerSize, rawSize <= maximumRawSize else { throw CodecError.malformed }
        let length = Int(UInt32(stored[1]) | UInt32(stored[2]) << 8 | UInt32(stored[3]) << 16 | UInt32(stored[4]) << 24)
        guard length <= stored.count - headerSize else { throw CodecError.malformed }
        let payload = stored[headerSize..<(headerSize + length)]
        switch stored[0] {
        case 0:
            guard length == rawSize else { throw CodecError.malformed }
            return Array(payload)
        case 1:
            var out = [UInt8](repeating: 0, count: rawSize)
            let result = payload.withUnsafeBytes { source in
                out.withUnsafeMutableBytes { ZSTD_decompress($0.baseAddress, rawSize, source.baseAddress, length) }
            }
            guard ZSTD_isError(result) == 0, result == rawSize else { throw CodecError.malformed }
            return out
        default:
            throw CodecError.malformed
        }
    }

    enum CodecError: Error { case malformed }

    /// zstd level 3, or nil when the input is empty.
    private static func compress(_ input: UnsafeRawBufferPointer) -> [UInt8]? {
        guard input.count > 0 else { return nil }
        var out = [UInt8](repeating: 0, count: ZSTD_compressBound(input.count))
        let size = out.withUnsafeMutableBytes { ZSTD_compress($0.baseAddress, $0.count, input.baseAddress, input.count, 3) }
        guard ZSTD_isError(size) == 0 else { return nil }
        out.removeLast(out.count - size)
        return out
    }

    /// Rounds up to a bucket of 1/64 of the size's power of two (at least 256 bytes): at most
    /// about 1.6 % overhead (0.8 % on average), and the stored size keeps only the top six
    /// bits of the real one.
    static func paddedSize(_ size: Int) -> Int {
        let bits = Int.bitWidth - size.leadingZeroBitCount
        let granule = max(256, 1 << max(0, bits - 6))
        return (size + granule - 1) / granule * granule
    }
}
