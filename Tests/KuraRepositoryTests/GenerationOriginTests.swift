import Foundation
import KuraCrypto
@testable import KuraRepository
import KuraStorage
import Testing

/// The optional `origin` of copied generations: signed and read back, absent from records
/// that have none (so older records and the format vector are unchanged).
@Suite struct GenerationOriginTests {
    static func generation(tree: BlobID, writer: KeyID) -> Generation {
        Generation(subject: "etc", number: 3, time: Date(timeIntervalSince1970: 1_700_000_000), host: "db1",
                   paths: ["/etc"], tags: [], tree: tree, parent: nil, summary: .init(files: 1), writer: writer)
    }

    @Test func originIsSignedAndReadBack() async throws {
        let path = RepositoryTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let repository = try await Repository.initialize(backend: LocalBackend(path: path), password: try RepositoryTests.password(),
                                                         parameters: RepositoryTests.fast)
        let tree = try await repository.saveTree(Tree(nodes: []))
        try await repository.flush()
        var record = Self.generation(tree: tree, writer: repository.keySlot.id)
        let origin = GenerationOrigin(repository: RepositoryID(bytes: SecureRandom.bytes(32)),
                                      generation: GenerationID(bytes: SecureRandom.bytes(32)))
        record.origin = origin
        let id = try await repository.save(record)
        _ = try await repository.save(Self.generation(tree: tree, writer: repository.keySlot.id))
        let (valid, damaged) = try await repository.generations()
        #expect(damaged.isEmpty)
        #expect(valid.first { $0.id == id }?.generation.origin == origin)
        #expect(valid.filter { $0.generation.origin == nil }.count == 1)
    }

    @Test func recordsWithoutOriginHaveNoSuchField() throws {
        let record = Self.generation(tree: BlobID(bytes: [UInt8](repeating: 1, count: 32)), writer: KeyID(bytes: [UInt8](repeating: 2, count: 32)))
        let json = String(decoding: try JSONEncoder.kura.encode(record), as: UTF8.self)
        #expect(!json.contains("origin"))
        var copied = record
        copied.origin = GenerationOrigin(repository: RepositoryID(bytes: [UInt8](repeating: 3, count: 32)),
                                         generation: GenerationID(bytes: [UInt8](repeating: 4, count: 32)))
        let decoded = try JSONDecoder.kura.decode(Generation.self, from: try JSONEncoder.kura.encode(copied))
        #expect(decoded.origin == copied.origin)
    }
}
