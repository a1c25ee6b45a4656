import Foundation
@testable import KuraRepository
import Testing

/// Index files are stored zstd-compressed; plain JSON (written before 2026-11-25) still reads,
/// and a frame that is damaged or would expand beyond the limit is refused, not allocated.
struct IndexFileCompressionTests {
    @Test func compressedIndexExpandsToTheSameJSON() throws {
        let json = Array(try JSONEncoder.kura.encode(IndexFileReaderTests.file))
        let stored = IndexFileCompression.compress(json)
        #expect(stored.starts(with: [0x28, 0xB5, 0x2F, 0xFD]))
        #expect(IndexFileCompression.expand(stored) == json)
    }

    @Test func plainJSONReadsAsItIs() throws {
        let json = Array(try JSONEncoder.kura.encode(IndexFileReaderTests.file))
        #expect(IndexFileCompression.expand(json) == json)
    }

    @Test func damagedOrOversizedFramesAreRefused() {
        var stored = IndexFileCompression.compress(Array(repeating: UInt8(ascii: "a"), count: 100_000))
        stored.removeLast(4)
        #expect(IndexFileCompression.expand(stored) == nil)
        // A frame header declaring 2 GiB of content (single segment, 8-byte size field).
        var huge: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD, 0xE0]
        huge += withUnsafeBytes(of: UInt64(2 << 30).littleEndian, Array.init)
        huge += [0x01, 0x00, 0x00]
        #expect(IndexFileCompression.expand(huge) == nil)
    }
}
