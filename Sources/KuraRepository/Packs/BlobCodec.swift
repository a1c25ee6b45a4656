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
        let count = plaintext.count
        let capacity = max(paddedSize(headerSize + count), headerSize + ZSTD_compressBound(count))
        // Compressed straight into the output; replaced by the plaintext when it does not pay.
        return [UInt8](unsafeUninitializedCapacity: capacity) { out, initialized in
            let base = out.baseAddress!
            let payload = UnsafeMutableRawBufferPointer(start: base + headerSize, count: capacity - headerSize)
            var length = compress(plaintext, into: payload) ?? count
            let flags: UInt8
            if length < count - count / 32 {
                flags = 1
            } else {
                flags = 0
                length = count
                if count > 0 { payload.baseAddress!.copyMemory(from: plaintext.baseAddress!, byteCount: count) }
            }
            base[0] = flags
            withUnsafeBytes(of: UInt32(length).littleEndian) { UnsafeMutableRawPointer(base + 1).copyMemory(from: $0.baseAddress!, byteCount: 4) }
            initialized = paddedSize(headerSize + length)
            (base + headerSize + length).initialize(repeating: 0, count: initialized - headerSize - length)
        }
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
                out.withUnsafeMutableBytes { target in
                    ZstdContextPool.decompression.withContext {
                        ZSTD_decompressDCtx($0, target.baseAddress, rawSize, source.baseAddress, length)
                    } ?? ZSTD_decompress(target.baseAddress, rawSize, source.baseAddress, length)
                }
            }
            guard ZSTD_isError(result) == 0, result == rawSize else { throw CodecError.malformed }
            return out
        default:
            throw CodecError.malformed
        }
    }

    enum CodecError: Error { case malformed }

    /// Compresses with zstd level 3 into `out`; returns the length, or nil when the input is
    /// empty or zstd fails.
    static func compress(_ input: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Int? {
        guard input.count > 0 else { return nil }
        let size = ZstdContextPool.compression.withContext {
            ZSTD_compressCCtx($0, out.baseAddress, out.count, input.baseAddress, input.count, 3)
        }
        guard let size, ZSTD_isError(size) == 0 else { return nil }
        return size
    }

    /// Rounds up to a multiple of 1/128 of the size's next power of two, and of 64 bytes: at
    /// most about 1.6 % overhead for large blobs (about 0.5 % on average), and the stored size
    /// keeps only the top seven bits of the real one. Readers take the payload length from
    /// the header, so repositories written with other buckets (1/64 and at least 256 bytes
    /// before 2026-11-25) read the same.
    static func paddedSize(_ size: Int) -> Int {
        let bits = Int.bitWidth - size.leadingZeroBitCount
        let granule = max(64, 1 << max(0, bits - 7))
        return (size + granule - 1) / granule * granule
    }
}
