import Foundation
import KuraCrypto
import KuraEngine
import KuraRepository
import KuraStorage
import KuraTestSupport
import Testing

/// What `Checker` finds in a repository in memory whose objects the test removes, cuts or
/// alters, and what it reads to find it.
@Suite struct CheckerTests {
    @Test func aMissingPackIsNamedWithTheFilesItHeldWithoutReadingData() async throws {
        let stored = try await EngineFixture.backedUp(["docs/lost": 300_000])
        defer { stored.remove() }
        let (backend, repository, tree, first) = (stored.backend, stored.repository, stored.tree, stored.generation)
        let firstPacks = Array(backend.contents(of: .data).keys)
        // The second generation's trees go to a new pack; its `lost` is the first pack's blob.
        try Data(SecureRandom.bytes(1000)).write(to: URL(fileURLWithPath: tree + "/docs/new"))
        let second = try await EngineFixture.backup(repository, subject: "s", tree)
        for name in firstPacks { backend.tamper(name) { _ in nil } }

        let report = try await Checker(repository: repository).run(readData: .none)
        #expect(report.packsRead == 0)
        let missing = report.problems.filter { $0.reason == "is missing" }
        #expect(missing.count == firstPacks.count, "\(EngineFixture.describe(report.problems))")
        #expect(missing.contains { $0.affected.contains { $0.hasPrefix(first.name + " ") } })
        #expect(missing.contains { $0.affected.contains { $0.hasPrefix(second.name + " ") && $0.hasSuffix("/docs/lost") } },
                "\(EngineFixture.describe(missing))")
    }

    @Test func aTruncatedPackIsFoundFromItsSizeAlone() async throws {
        let stored = try await EngineFixture.backedUp(["cut": 500_000])
        defer { stored.remove() }
        for name in stored.backend.contents(of: .data).keys { stored.backend.tamper(name) { Array($0.prefix($0.count / 2)) } }

        let report = try await Checker(repository: stored.repository).run(readData: .none)
        #expect(report.problems.contains { $0.reason.contains("truncated") }, "\(EngineFixture.describe(report.problems))")
    }

    @Test func aFlippedBitInsideAPackIsFoundOnlyByReadingData() async throws {
        let stored = try await EngineFixture.backedUp(["flipped": 400_000])
        defer { stored.remove() }
        let (backend, repository) = (stored.backend, stored.repository)
        EngineFixture.flipBit(in: backend, .data, at: 1.0 / 3, mask: 0x80)

        let structure = try await Checker(repository: repository).run(readData: .none)
        #expect(structure.problems.isEmpty, "sizes and references are intact: \(EngineFixture.describe(structure.problems))")
        let data = try await Checker(repository: repository).run(readData: .all)
        #expect(data.packsRead == backend.contents(of: .data).count)
        #expect(!data.problems.isEmpty)
        #expect(data.problems.allSatisfy { $0.object.hasPrefix("pack ") }, "\(EngineFixture.describe(data.problems))")
    }

    @Test func aPackNoIndexNamesIsAWarningNotAProblem() async throws {
        let stored = try await EngineFixture.backedUp(["kept": 100_000])
        defer { stored.remove() }
        let leftover = String(repeating: "ab", count: 32)
        try await stored.backend.put(try ObjectName(.data, leftover), bytes: SecureRandom.bytes(4096))

        let report = try await Checker(repository: stored.repository).run(readData: .all)
        #expect(report.problems.isEmpty, "\(EngineFixture.describe(report.problems))")
        #expect(report.warnings.contains { $0.contains(leftover.prefix(8)) && $0.contains("not in any index") }, "\(report.warnings)")
    }

    @Test func thePartsOfReadDataTogetherReadEveryPackOnce() async throws {
        let backend = InMemoryBackend()
        let repository = try await EngineFixture.repository(backend)
        var trees: [String] = []
        defer { for tree in trees { try? FileManager.default.removeItem(atPath: tree) } }
        // Each backup flushes its own pack: several subjects give several packs.
        for subject in ["a", "b", "c", "d", "e", "f"] {
            let tree = try EngineFixture.tree(["file": 50_000])
            trees.append(tree)
            _ = try await EngineFixture.backup(repository, subject: subject, tree)
        }
        let packs = backend.contents(of: .data).count
        #expect(packs >= 6)

        var read = 0
        for part in 1...3 {
            let report = try await Checker(repository: repository).run(readData: .part(part, of: 3))
            #expect(report.problems.isEmpty)
            read += report.packsRead
        }
        #expect(read == packs)
        let whole = try await Checker(repository: repository).run(readData: .fraction(1))
        #expect(whole.packsRead == packs)
        let some = try await Checker(repository: repository).run(readData: .fraction(0.5))
        #expect(some.packsRead == (packs + 1) / 2)
    }

    @Test func anAlteredGenerationRecordIsReportedAndTheOthersStillCounted() async throws {
        let stored = try await EngineFixture.backedUp(["file": 10_000])
        defer { stored.remove() }
        let (backend, repository, tree) = (stored.backend, stored.repository, stored.tree)
        let altered = try await EngineFixture.backup(repository, subject: "t", tree)
        let record = try #require(backend.contents(of: .generations).keys.first { $0.name == altered.id.hex })
        backend.tamper(record) { bytes in
            var changed = bytes
            changed[bytes.count - 20] ^= 0x01
            return changed
        }

        let report = try await Checker(repository: repository).run(readData: .none)
        #expect(report.generations == 1)
        #expect(report.problems.contains { $0.object == "generation \(altered.id.hex.prefix(8))" },
                "\(EngineFixture.describe(report.problems))")
    }
}
