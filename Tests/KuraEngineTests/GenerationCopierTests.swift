import Foundation
import KuraCrypto
import KuraEngine
import KuraRepository
import KuraStorage
import KuraTestSupport
import Testing

/// `GenerationCopier` and the tree copy under it, between repositories in memory.
@Suite struct GenerationCopierTests {
    @Test func aCopiedGenerationRestoresByteForByteFromTheDestination() async throws {
        let source = try await EngineFixture.repository()
        let destination = try await EngineFixture.repository()
        let tree = try EngineFixture.tree(["a/b/c": 700_000, "a/d": 3, "e": 0])
        defer { try? FileManager.default.removeItem(atPath: tree) }
        let original = try await EngineFixture.backup(source, subject: "s", tree)

        let report = try await GenerationCopier(source: source, destination: destination).copy(subject: "s")
        let copy = try #require(report.copied.first)
        #expect(copy.source.id == original.id)
        #expect(copy.destination.name == original.name)
        #expect(copy.destination.id != original.id, "the copy is a record of the destination, under its keys")
        #expect(copy.destination.generation.origin != nil)
        #expect(try await EngineFixture.filesDiffering(from: tree, restoring: copy.destination, of: destination).isEmpty)
    }

    @Test func aPlanTakesOnlyTheNamedGenerationsAndKnowsWhatIsPresent() async throws {
        let source = try await EngineFixture.repository()
        let destination = try await EngineFixture.repository()
        let tree = try EngineFixture.tree(["f": 20_000])
        defer { try? FileManager.default.removeItem(atPath: tree) }
        for _ in 0..<3 { _ = try await EngineFixture.backup(source, subject: "s", tree) }
        let copier = try GenerationCopier(source: source, destination: destination)

        let second = try await copier.plan(CopySelection(generations: ["s@2"]))
        #expect(second.pending.map(\.name) == ["s@2"] && second.present.isEmpty)
        _ = try await copier.run(second)

        let everything = try await copier.plan(.everything)
        #expect(everything.pending.map(\.name) == ["s@1", "s@3"])
        #expect(everything.present.map(\.source.name) == ["s@2"])
    }

    @Test func copyingARepositoryIntoItselfIsRefused() async throws {
        let repository = try await EngineFixture.repository()
        #expect(throws: CopyError.self) { try GenerationCopier(source: repository, destination: repository) }
    }

    @Test func aGenerationWhoseDataIsMissingLeavesNoRecordInTheDestination() async throws {
        let sourceBackend = InMemoryBackend()
        let source = try await EngineFixture.repository(sourceBackend)
        let destinationBackend = InMemoryBackend()
        let destination = try await EngineFixture.repository(destinationBackend)
        let tree = try EngineFixture.tree(["f": 300_000])
        defer { try? FileManager.default.removeItem(atPath: tree) }
        _ = try await EngineFixture.backup(source, subject: "s", tree)
        for name in sourceBackend.contents(of: .data).keys { sourceBackend.tamper(name) { _ in nil } }

        await #expect(throws: (any Error).self) {
            try await GenerationCopier(source: source, destination: destination).copy(subject: "s")
        }
        #expect(destinationBackend.contents(of: .generations).isEmpty)
    }
}
