import Foundation
import KuraCrypto
@testable import KuraRepository
import KuraStorage
import Testing

struct RepositoryTests {
    static let fast = Argon2idParameters(iterations: 1, memoryKiB: 8 * 1024)

    static func scratch() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("kura-repo-\(UUID().uuidString)").path
    }

    static func password(_ text: String = "correct horse") throws -> SecureBytes { try SecureBytes(copying: Array(text.utf8)) }

    @Test func initOpenAndWrongPassword() async throws {
        let path = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let backend = LocalBackend(path: path)
        let created = try await Repository.initialize(backend: backend, password: try Self.password(), parameters: Self.fast)
        let opened = try await Repository.open(backend: backend, password: try Self.password())
        #expect(opened.config.id == created.config.id && opened.config.chunker == created.config.chunker)
        await #expect(throws: RepositoryError.wrongPassword) {
            try await Repository.open(backend: backend, password: try Self.password("wrong"))
        }
        await #expect(throws: RepositoryError.alreadyExists(path)) {
            try await Repository.initialize(backend: backend, password: try Self.password(), parameters: Self.fast)
        }
        await #expect(throws: RepositoryError.noRepository("/nonexistent/repo")) {
            try await Repository.open(backend: LocalBackend(path: "/nonexistent/repo"), password: try Self.password())
        }
    }

    @Test func blobsRoundTripDeduplicateAndSurviveReopen() async throws {
        let path = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let backend = LocalBackend(path: path)
        let repository = try await Repository.initialize(backend: backend, password: try Self.password(), parameters: Self.fast)
        let compressible = [UInt8](repeating: 65, count: 500_000)
        let random = SecureRandom.bytes(300_000)
        let first = try await repository.store(compressible, type: .data)
        let second = try await repository.store(random, type: .data)
        #expect(first.isNew && second.isNew)
        #expect(try await repository.store(compressible, type: .data).isNew == false)
        try await repository.flush()
        #expect(repository.storedBytes < 320_000 + 20_000, "compressible data is compressed")

        let reopened = try await Repository.open(backend: backend, password: try Self.password())
        #expect(try await reopened.readBlob(first.id) == compressible)
        #expect(try await reopened.readBlob(second.id) == random)
        #expect(reopened.hasBlob(first.id))
    }

    /// Blob IDs are keyed: two repositories give the same content different IDs.
    @Test func blobIDsAreKeyed() async throws {
        let a = Self.scratch(), b = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: a); try? FileManager.default.removeItem(atPath: b) }
        let first = try await Repository.initialize(backend: LocalBackend(path: a), password: try Self.password(), parameters: Self.fast)
        let second = try await Repository.initialize(backend: LocalBackend(path: b), password: try Self.password(), parameters: Self.fast)
        let content = Array("same content".utf8)
        #expect(first.blobID(of: content) != second.blobID(of: content))
        #expect(first.blobID(of: content).bytes != SHA256.hash(content))
    }

    @Test func paddingHidesExactSizes() {
        #expect(BlobCodec.paddedSize(1) == 64)
        #expect(BlobCodec.paddedSize(65) == 128)
        #expect(BlobCodec.paddedSize(1_000_000) == 123 * 8192)   // buckets of 1/128 of 2^20
        #expect(BlobCodec.paddedSize(1_048_576) == 1_048_576)
        #expect(BlobCodec.paddedSize(1_048_577) == 1_048_576 + 16_384)   // 1/128 of 2^21
        for size in [1, 300, 5_000, 70_000, 1_048_575, 1_048_577, 4_194_304] {
            let padded = BlobCodec.paddedSize(size)
            #expect(padded >= size && Double(padded) <= Double(size) * 1.016 + 64)
        }
    }

    /// A blob moved to another repository, or read as another type, fails authentication.
    @Test func packsBindRepositoryAndType() async throws {
        let path = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let repository = try await Repository.initialize(backend: LocalBackend(path: path), password: try Self.password(),
                                                         parameters: Self.fast)
        let writer = try PackWriter(repository: repository.config.id, algorithm: .aes256GCM,
                                    dataPublicKey: try repository.dataPublicKey())
        let content = Array("tree or data?".utf8)
        let id = repository.blobID(of: content)
        try writer.add(id: id, type: .data, encoded: content.withUnsafeBytes { BlobCodec.encode($0) }, rawLength: content.count)
        let (bytes, entries) = try writer.finish()
        let opened = try repository.reader().open(pack: bytes, name: "test")
        let entry = entries[0]
        let sealed = bytes[entry.offset..<(entry.offset + entry.length)]
        #expect(try PackReader.openBlob(sealed, entry: entry, cipher: opened.cipher, repository: repository.config.id,
                                        idKey: repository.blobIDKey) == content)
        var asTree = entry
        asTree.type = .tree
        #expect(throws: (any Error).self) {
            try PackReader.openBlob(sealed, entry: asTree, cipher: opened.cipher, repository: repository.config.id,
                                    idKey: repository.blobIDKey)
        }
        #expect(throws: (any Error).self) {
            try PackReader.openBlob(sealed, entry: entry, cipher: opened.cipher, repository: RepositoryID(bytes: SecureRandom.bytes(32)),
                                    idKey: repository.blobIDKey)
        }
        var flipped = bytes
        flipped[entry.offset + 3] ^= 1
        #expect(throws: (any Error).self) {
            try PackReader.openBlob(flipped[entry.offset..<(entry.offset + entry.length)], entry: entry, cipher: opened.cipher,
                                    repository: repository.config.id, idKey: repository.blobIDKey)
        }
    }
}
