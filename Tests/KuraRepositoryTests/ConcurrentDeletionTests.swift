import Foundation
import KuraCrypto
@testable import KuraRepository
import KuraStorage
import Testing

/// Objects that another kura deletes between a listing and the read that follows it: a lock
/// released, a generation forgotten. Neither is damage, nor a conflict.
@Suite struct ConcurrentDeletionTests {
    /// A local repository whose objects named in `vanishing` are deleted just before they are
    /// read, as another process would between this one's listing and its read.
    struct VanishingBackend: StorageBackend {
        let local: LocalBackend
        let vanishing: @Sendable (ObjectName) -> Bool

        var location: String { local.location }
        func create() async throws { try await local.create() }
        func exists() async throws -> Bool { try await local.exists() }
        func put(_ name: ObjectName, bytes: [UInt8]) async throws { try await local.put(name, bytes: bytes) }
        func get(_ name: ObjectName) async throws -> [UInt8] {
            if vanishing(name) { try await local.delete(name) }
            return try await local.get(name)
        }
        func get(_ name: ObjectName, offset: Int, length: Int) async throws -> [UInt8] {
            try await local.get(name, offset: offset, length: length)
        }
        func get(_ name: ObjectName, ranges: [Range<Int>], deliver: (Int, [UInt8]) async throws -> Void) async throws {
            try await local.get(name, ranges: ranges, deliver: deliver)
        }
        func stat(_ name: ObjectName) async throws -> ObjectInfo? { try await local.stat(name) }
        func list(_ kind: ObjectKind) async throws -> [ObjectInfo] { try await local.list(kind) }
        func delete(_ name: ObjectName) async throws { try await local.delete(name) }
    }

    static func reopened(_ path: String, vanishing: @escaping @Sendable (ObjectName) -> Bool) async throws -> Repository {
        try await Repository.open(backend: VanishingBackend(local: LocalBackend(path: path), vanishing: vanishing),
                                  password: try RepositoryTests.password())
    }

    @Test func aLockReleasedBetweenListingAndReadingIsNoLock() async throws {
        let (repository, path) = try await LockTests.repository()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let other = try await repository.lock(exclusive: false, command: "backup").name
        let racing = try await Self.reopened(path) { $0 == other }
        let exclusive = try await racing.lock(exclusive: true, command: "prune (sweep)")
        #expect(try await racing.locks().map(\.name) == [exclusive.name])
        await exclusive.release()
    }

    @Test func aGenerationForgottenBetweenListingAndReadingIsLeftOut() async throws {
        let path = RepositoryTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let repository = try await Repository.initialize(backend: LocalBackend(path: path), password: try RepositoryTests.password(),
                                                         parameters: RepositoryTests.fast)
        let tree = try await repository.saveTree(Tree(nodes: []))
        try await repository.flush()
        let kept = try await repository.save(GenerationOriginTests.generation(tree: tree, writer: repository.keySlot.id))
        var second = GenerationOriginTests.generation(tree: tree, writer: repository.keySlot.id)
        second.number = 4
        let forgotten = try await repository.save(second)
        let racing = try await Self.reopened(path) { $0 == (try? ObjectName(.generations, forgotten.hex)) }
        let (valid, damaged) = try await racing.generations()
        #expect(valid.map(\.id) == [kept] && damaged.isEmpty)
    }
}
