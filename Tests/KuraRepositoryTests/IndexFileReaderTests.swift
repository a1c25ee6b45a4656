import Foundation
@testable import KuraRepository
import Testing

/// The fast index reader must read what JSONEncoder.kura writes exactly as JSONDecoder does,
/// and leave to JSONDecoder what it does not cover.
struct IndexFileReaderTests {
    static func entry(_ seed: UInt8, type: BlobType) -> PackEntry {
        PackEntry(id: BlobID(bytes: (0..<32).map { $0 &+ seed }), type: type, offset: Int(seed) * 1000,
                  length: Int.max, rawLength: 0)
    }

    static let file = IndexFile(packs: [
        IndexFile.Pack(id: PackID(bytes: Array(repeating: 7, count: 32)), blobs: [entry(1, type: .data), entry(2, type: .tree)]),
        IndexFile.Pack(id: PackID(bytes: Array(repeating: 9, count: 32)), blobs: []),
    ])

    static func same(_ lhs: IndexFile, _ rhs: IndexFile) -> Bool {
        lhs.version == rhs.version && lhs.packs.map(\.id) == rhs.packs.map(\.id)
            && lhs.packs.map(\.blobs) == rhs.packs.map(\.blobs)
    }

    @Test func readsWhatTheEncoderWritesAsFoundationDoes() throws {
        for file in [Self.file, IndexFile(packs: [])] {
            let bytes = Array(try JSONEncoder.kura.encode(file))
            let fast = try #require(IndexFileReader.decode(bytes))
            let foundation = try JSONDecoder.kura.decode(IndexFile.self, from: Data(bytes))
            #expect(Self.same(fast, foundation) && Self.same(fast, file))
        }
    }

    @Test func leavesOtherJSONToFoundation() throws {
        let valid = String(decoding: try JSONEncoder.kura.encode(Self.file), as: UTF8.self)
        let variants = [
            valid.replacingOccurrences(of: "\"type\":1", with: "\"type\":2"),
            valid.replacingOccurrences(of: "\"type\":1", with: "\"type\":1,\"type\":1"),
            valid.replacingOccurrences(of: ",\"type\":1", with: ""),
            valid.replacingOccurrences(of: "\"offset\":1000", with: "\"offset\":1e3"),
            valid.replacingOccurrences(of: "\"version\":1", with: "\"version\":1,\"extra\":[]"),
            valid.replacingOccurrences(of: "\"version\":1", with: "\"version\": 1"),
            valid.replacingOccurrences(of: "\"version\":1", with: "\"version\":null"),
            String(valid.dropLast()),
        ]
        for variant in variants {
            #expect(variant != valid)
            #expect(IndexFileReader.decode(Array(variant.utf8)) == nil, "\(variant)")
        }
    }
}
