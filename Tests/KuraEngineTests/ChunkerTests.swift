import Foundation
import KuraCrypto
@testable import KuraEngine
import Testing

struct ChunkerTests {
    static func chunker(seed: UInt8 = 1) throws -> Chunker {
        try Chunker(seed: try SecureBytes(copying: [UInt8](repeating: seed, count: 32)),
                    minimum: 256 * 1024, average: 1024 * 1024, maximum: 4 * 1024 * 1024)
    }

    static func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    static func chunks(_ data: [UInt8], _ chunker: Chunker) -> [Int] {
        var lengths: [Int] = []
        var offset = 0
        data.withUnsafeBytes { raw in
            while offset < data.count {
                let length = chunker.boundary(in: UnsafeRawBufferPointer(rebasing: raw[offset...]))
                lengths.append(length)
                offset += length
            }
        }
        return lengths
    }

    @Test func boundsAndAverage() throws {
        let data = Self.randomBytes(32 * 1024 * 1024, seed: 7)
        let lengths = Self.chunks(data, try Self.chunker())
        #expect(lengths.reduce(0, +) == data.count)
        #expect(lengths.dropLast().allSatisfy { $0 >= 256 * 1024 && $0 <= 4 * 1024 * 1024 })
        let average = Double(data.count) / Double(lengths.count)
        #expect(average > 700_000 && average < 1_600_000, "average chunk \(average)")
    }

    @Test func boundariesDependOnTheSeed() throws {
        let data = Self.randomBytes(16 * 1024 * 1024, seed: 3)
        #expect(Self.chunks(data, try Self.chunker(seed: 1)) != Self.chunks(data, try Self.chunker(seed: 2)))
        #expect(Self.chunks(data, try Self.chunker(seed: 1)) == Self.chunks(data, try Self.chunker(seed: 1)))
    }

    /// Inserting bytes near the start changes only the chunks around the insertion.
    @Test func insertionShiftsFewChunks() throws {
        let chunker = try Self.chunker()
        let data = Self.randomBytes(32 * 1024 * 1024, seed: 11)
        var edited = data
        edited.insert(contentsOf: [1, 2, 3, 4, 5, 6, 7], at: 100_000)
        func boundarySet(_ bytes: [UInt8]) -> Set<[UInt8]> {
            var result: Set<[UInt8]> = []
            var offset = 0
            for length in Self.chunks(bytes, chunker) {
                result.insert(Array(bytes[offset..<(offset + length)]))
                offset += length
            }
            return result
        }
        let before = boundarySet(data), after = boundarySet(edited)
        #expect(before.intersection(after).count >= before.count - 2)
    }

    @Test func shortInputIsOneChunk() throws {
        let chunker = try Self.chunker()
        #expect(Self.chunks([UInt8](repeating: 9, count: 1000), chunker) == [1000])
        #expect(Self.chunks([], chunker) == [])
    }
}
