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
    @Test func pruneDeletesWhatOnlyAForgottenGenerationUsedAndCheckStaysClean() async throws {
        let backend = InMemoryBackend()
        let repository = try await EngineFixture.repository(backend)
        let kept = try EngineFixture.tree(["a/one": 300_000, "a/two": 50_000])
        let dropped = try EngineFixture.tree(["big": 2_000_000])
        defer {
            try? FileManager.default.removeItem(atPath: kept)
            try? FileManager.default.removeItem(atPath: dropped)
        }
        _ = try await EngineFixture.backup(repository, subject: "kept", kept)
        let forgotten = try await EngineFixture.backup(repository, subject: "dropped", dropped)
        let packsBefore = backend.contents(of: .data).count

        try await EngineFixture.forget(forgotten, in: repository)
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
        let stored = try await EngineFixture.backedUp(["only": 200_000])
        defer { stored.remove() }
        EngineFixture.flipBit(in: stored.backend, .data, at: 0.5)
        let check = try await Checker(repository: stored.repository).run(readData: .all)
        #expect(!check.problems.isEmpty)
        #expect(check.problems.contains { $0.affected.contains { $0.contains("/only") } },
                "\(check.problems.map { "\($0.object): \($0.reason) \($0.affected)" })")
    }

    @Test func copyMovesEveryGenerationOnceAndDeduplicatesAgainstTheDestination() async throws {
        let source = try await EngineFixture.repository()
        let destinationBackend = InMemoryBackend()
        let destination = try await EngineFixture.repository(destinationBackend)
        let tree = try EngineFixture.tree(["x": 400_000, "y/z": 10_000])
        defer { try? FileManager.default.removeItem(atPath: tree) }
        _ = try await EngineFixture.backup(source, subject: "s", tree)
        _ = try await EngineFixture.backup(source, subject: "s", tree)

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
