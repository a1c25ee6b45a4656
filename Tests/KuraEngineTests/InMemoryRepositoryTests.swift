import Foundation
import KuraCrypto
import KuraEngine
import KuraRepository
import KuraStorage
import KuraTestSupport
import Testing

/// Backup, prune, check and copy on repositories in memory: the engine's own logic, without
/// the CLI or a disk under the repository.
@Suite struct InMemoryRepositoryTests {
    static let fast = Argon2idParameters(iterations: 1, memoryKiB: 8 * 1024)

    static func repository(_ backend: InMemoryBackend = InMemoryBackend()) async throws -> Repository {
        try await Repository.initialize(backend: backend, password: try SecureBytes(copying: Array("pw".utf8)),
                                        parameters: fast)
    }

    /// A folder with a few files of random bytes (incompressible, so sizes are predictable).
    static func tree(_ files: [String: Int]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kura-engine-\(UUID().uuidString)").path
        for (name, size) in files {
            let path = root + "/" + name
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try Data(SecureRandom.bytes(size)).write(to: URL(fileURLWithPath: path))
        }
        return root
    }

    static func backup(_ repository: Repository, subject: String, _ path: String) async throws -> StoredGeneration {
        try await BackupRunner(repository: repository, options: BackupOptions(subject: subject, paths: [path])).run()
    }

    @Test func pruneDeletesWhatOnlyAForgottenGenerationUsedAndCheckStaysClean() async throws {
        let backend = InMemoryBackend()
        let repository = try await Self.repository(backend)
        let kept = try Self.tree(["a/one": 300_000, "a/two": 50_000])
        let dropped = try Self.tree(["big": 2_000_000])
        defer {
            try? FileManager.default.removeItem(atPath: kept)
            try? FileManager.default.removeItem(atPath: dropped)
        }
        _ = try await Self.backup(repository, subject: "kept", kept)
        let forgotten = try await Self.backup(repository, subject: "dropped", dropped)
        let packsBefore = backend.contents(of: .data).count

        // As forget does: logged first, so check accounts for the removed record.
        let logged = String(forgotten.id.hex.prefix(AuditedRecords.forgottenIDLength))
        try await repository.appendAudit("forget", details: ["count": "1", "ids": logged])
        try await repository.delete(generation: forgotten.id)
        let report = try await Pruner(repository: repository, options: PruneOptions()).run()
        #expect(report.deadPacks + report.repackedPacks > 0)
        #expect(report.bytesFreed >= 2_000_000, "\(report)")
        #expect(backend.contents(of: .data).count <= packsBefore)
        #expect(backend.deleted.contains { $0.kind == .data })

        let check = try await Checker(repository: repository).run(readData: .all)
        #expect(check.problems.isEmpty, "\(check.problems.map { "\($0.object): \($0.reason)" })")
        #expect(check.generations == 1)

        // Nothing is left to do: a second prune deletes nothing.
        let deletedSoFar = backend.deleted.count
        let again = try await Pruner(repository: repository, options: PruneOptions()).run()
        #expect(again.deadPacks == 0 && again.repackedPacks == 0)
        #expect(backend.deleted.dropFirst(deletedSoFar).allSatisfy { $0.kind != .data })
    }

    @Test func checkNamesADamagedPackAndTheFilesItHolds() async throws {
        let backend = InMemoryBackend()
        let repository = try await Self.repository(backend)
        let tree = try Self.tree(["only": 200_000])
        defer { try? FileManager.default.removeItem(atPath: tree) }
        _ = try await Self.backup(repository, subject: "s", tree)
        for name in backend.contents(of: .data).keys {
            backend.tamper(name) { bytes in
                var changed = bytes
                changed[bytes.count / 2] ^= 0x01
                return changed
            }
        }
        let check = try await Checker(repository: repository).run(readData: .all)
        #expect(!check.problems.isEmpty)
        #expect(check.problems.contains { $0.affected.contains { $0.contains("/only") } },
                "\(check.problems.map { "\($0.object): \($0.reason) \($0.affected)" })")
    }

    @Test func copyMovesEveryGenerationOnceAndDeduplicatesAgainstTheDestination() async throws {
        let source = try await Self.repository()
        let destinationBackend = InMemoryBackend()
        let destination = try await Self.repository(destinationBackend)
        let tree = try Self.tree(["x": 400_000, "y/z": 10_000])
        defer { try? FileManager.default.removeItem(atPath: tree) }
        _ = try await Self.backup(source, subject: "s", tree)
        _ = try await Self.backup(source, subject: "s", tree)

        let copier = try GenerationCopier(source: source, destination: destination)
        let first = try await copier.copy(subject: "s")
        #expect(first.copied.count == 2, "\(first)")
        let storedAfterFirst = destinationBackend.contents(of: .data).values.reduce(0) { $0 + $1.count }
        #expect(storedAfterFirst >= 410_000 && storedAfterFirst < 2 * 410_000, "the second generation's data is deduplicated")

        let second = try await copier.copy(subject: "s")
        #expect(second.copied.isEmpty, "a generation already copied is not copied again")
        let check = try await Checker(repository: destination).run(readData: .all)
        #expect(check.problems.isEmpty && check.generations == 2)
    }
}
