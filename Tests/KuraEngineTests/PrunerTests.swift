import Foundation
import KuraCrypto
import KuraEngine
import KuraRepository
import KuraStorage
import KuraTestSupport
import Testing

/// `Pruner` end to end on repositories in memory: what it deletes, what it rewrites, and
/// that what is kept still restores byte for byte.
@Suite struct PrunerTests {
    @Test func aDryRunReportsThePlanAndChangesNothing() async throws {
        let stored = try await EngineFixture.backedUp(["big": 1_500_000])
        defer { stored.remove() }
        let (backend, repository) = (stored.backend, stored.repository)
        try await EngineFixture.forget(stored.generation, in: repository)
        let before = ObjectKind.allCases.map { backend.contents(of: $0).count }
        let deletedBefore = backend.deleted.count

        let planned = try await Pruner(repository: repository, options: PruneOptions(dryRun: true)).run()
        #expect(planned.dryRun && planned.deadPacks > 0)
        #expect(backend.deleted.dropFirst(deletedBefore).allSatisfy { $0.kind == .locks })
        #expect(ObjectKind.allCases.filter { $0 != .locks }.allSatisfy { kind in
            backend.contents(of: kind).count == before[ObjectKind.allCases.firstIndex(of: kind)!]
        })

        let done = try await Pruner(repository: repository, options: PruneOptions()).run()
        #expect(!done.dryRun && done.deadPacks == planned.deadPacks && done.deadBytes == planned.deadBytes)
        #expect(backend.contents(of: .data).isEmpty)
    }

    @Test func aPackSharedWithAKeptGenerationIsRepackedAndTheKeptFilesStillRestore() async throws {
        let shared = try await SharedPack(keep: 200_000, drop: 1_800_000)
        defer { shared.remove() }
        let (backend, repository) = (shared.backend, shared.repository)

        let report = try await Pruner(repository: repository, options: PruneOptions()).run()
        #expect(report.repackedPacks >= 1, "\(report)")
        #expect(report.newPacks >= 1)
        #expect(report.bytesFreed >= 1_500_000, "\(report)")
        #expect(shared.packs.isDisjoint(with: backend.contents(of: .data).keys), "the shared pack was rewritten")

        #expect(try await EngineFixture.filesDiffering(from: shared.keptTree, restoring: shared.kept, of: repository).isEmpty)
        let check = try await Checker(repository: repository).run(readData: .all)
        #expect(check.problems.isEmpty, "\(EngineFixture.describe(check.problems))")
    }

    @Test func aPackNoIndexNamesIsRemovedAsALeftover() async throws {
        let stored = try await EngineFixture.backedUp(["kept": 100_000])
        defer { stored.remove() }
        let (backend, repository, tree, generation) = (stored.backend, stored.repository, stored.tree, stored.generation)
        let leftover = try ObjectName(.data, String(repeating: "cd", count: 32))
        try await backend.put(leftover, bytes: SecureRandom.bytes(8192))

        let report = try await Pruner(repository: repository, options: PruneOptions()).run()
        #expect(report.leftoverPacks == 1 && report.leftoverBytes == 8192, "\(report)")
        #expect(report.deadPacks == 0 && report.repackedPacks == 0)
        #expect(backend.contents(of: .data)[leftover] == nil)
        #expect(try await EngineFixture.filesDiffering(from: tree, restoring: generation, of: repository).isEmpty)
    }

    @Test func aMostlyUsedPackStaysWhenItsUnusedShareIsWithinTheLimit() async throws {
        let shared = try await SharedPack(keep: 1_000_000, drop: 100_000)
        defer { shared.remove() }
        let (backend, repository) = (shared.backend, shared.repository)
        let packs = Set(backend.contents(of: .data).keys)

        // About 9 % of the shared pack is unused: repacked at 5 %, kept at 20 %.
        let lenient = try await Pruner(repository: repository, options: PruneOptions(maxUnused: 0.2)).run()
        #expect(lenient.repackedPacks == 0 && lenient.unusedBytesKept > 0, "\(lenient)")
        #expect(Set(backend.contents(of: .data).keys) == packs)
        let strict = try await Pruner(repository: repository, options: PruneOptions(maxUnused: 0.05)).run()
        #expect(strict.repackedPacks >= 1, "\(strict)")
    }

    /// One backup writes `keep` and `drop` into one pack and is forgotten; a second subject
    /// holds the same bytes as `keep` only, deduplicated against that pack.
    struct SharedPack {
        let backend = InMemoryBackend()
        let repository: Repository
        let bothTree: String
        let keptTree = EngineFixture.scratchFolder("kept")
        /// The packs the forgotten backup wrote.
        let packs: Set<ObjectName>
        let kept: StoredGeneration

        init(keep: Int, drop: Int) async throws {
            repository = try await EngineFixture.repository(backend)
            bothTree = try EngineFixture.tree(["keep": keep, "drop": drop])
            try FileManager.default.createDirectory(atPath: keptTree, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: bothTree + "/keep", toPath: keptTree + "/keep")
            let forgotten = try await EngineFixture.backup(repository, subject: "both", bothTree)
            packs = Set(backend.contents(of: .data).keys)
            kept = try await EngineFixture.backup(repository, subject: "kept", keptTree)
            try await EngineFixture.forget(forgotten, in: repository)
        }

        func remove() {
            try? FileManager.default.removeItem(atPath: bothTree)
            try? FileManager.default.removeItem(atPath: keptTree)
        }
    }
}
