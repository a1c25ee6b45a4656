import Foundation
import KuraCrypto
import KuraOperations
import KuraRepository
import KuraStorage
import KuraTestSupport
import Testing

/// Status and its HTML page from a real repository on disk: signed generation and drill
/// records written and read back through the repository format, the page rendered by
/// headless Chromium.
@Suite struct StatusFromRepositoryTests {
    static func repository(at path: String) async throws -> Repository {
        try await Repository.initialize(backend: LocalBackend(path: path), password: try SecureBytes(copying: Array("pw".utf8)),
                                        parameters: Argon2idParameters(iterations: 1, memoryKiB: 8))
    }

    static func record(_ repository: Repository, _ subject: String, _ number: Int, at time: Date) async throws -> Generation {
        let tree = try await repository.saveTree(Tree(nodes: []))
        try await repository.flush()
        let generation = Generation(subject: subject, number: number, time: time, host: "db1", paths: ["/srv/\(subject)"],
                                    tags: [], tree: tree, parent: nil, summary: Generation.Summary(bytes: 4096, seconds: 2),
                                    writer: repository.keySlot.id)
        _ = try await repository.save(generation)
        return generation
    }

    @Test func recordsOfARealRepositoryRenderInChromium() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kura-status-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let repository = try await Self.repository(at: folder + "/repo")
        let now = StatusFixtures.now
        for (number, hoursAgo) in [30.0, 20, 9, 1].enumerated() {
            _ = try await Self.record(repository, "db", number + 1, at: now.addingTimeInterval(-hoursAgo * 3600))
        }
        _ = try await Self.record(repository, "web", 1, at: now.addingTimeInterval(-50 * 3600))
        for (index, estimate) in [1800.0, 2400, 20_000].enumerated() {
            try await repository.save(DrillRecord(subject: "db", generation: GenerationID(bytes: [UInt8](repeating: 7, count: 32)),
                                                  generationNumber: index + 1, time: now.addingTimeInterval(Double(index - 3) * 86_400),
                                                  host: "db1", sample: 0.25, files: 1, bytes: 1024, totalBytes: 4096,
                                                  seconds: estimate / 4, estimatedFullSeconds: estimate, rtoSeconds: 14_400,
                                                  mismatches: [], writer: repository.keySlot.id))
        }
        let records = await RepositoryRecords.read(name: "main", location: folder + "/repo", from: repository)
        let contents = try #require(records.readContents)
        #expect(contents.generations.count == 5)
        #expect(contents.drills.count == 3)
        #expect(contents.keys == [RepositoryKey(name: "admin", role: .admin)])
        #expect(contents.damagedRecords.isEmpty)

        let policy = Policy(file: "kura.toml", repositories: ["main": RepositoryPolicy(name: "main", location: folder + "/repo")],
                            subjects: [StatusFixtures.subject("db", priority: 1, rpo: "8h", rto: "4h", repositories: ["main"], drillEvery: "7d"),
                                       StatusFixtures.subject("web", priority: 2, rpo: "1d", repositories: ["main"])])
        let report = StatusReport.evaluate(policy: policy, records: [records], now: now)
        #expect(report.subject(named: "db")?.lastDrill?.result == .overRTO, "the newest drill predicts 5h33m against 4h")
        #expect(report.subject(named: "web")?.state == .breached)

        let page = folder + "/status.html"
        try StatusPage.render(report).write(toFile: page, atomically: true, encoding: .utf8)
        let rendered = try RenderedPage.render(page)
        #expect(rendered.elements["subject"]?.compactMap { $0.attributes["data-subject"] } == ["db", "web"])
        #expect(rendered.count("generation-mark") == 5)
        #expect(rendered.elements["generation-mark"]?.compactMap { $0.attributes["data-generation"] }.contains("db@4") == true)
        #expect(rendered.count("drill-mark") == 3)
        #expect(rendered.elements["drill-mark"]?.last?.attributes["data-result"] == "over-rto")
        #expect(rendered.count("rto-line") == 1)
        #expect(rendered.count("breach-band") == 3, "db's gaps of 10h and 11h, and web's last day")
        #expect(rendered.count("no-drills") == 1, "web has no drill")
        #expect(rendered.screenshot.nonBackgroundFraction > 0.02, "the page is not blank")
        #expect(rendered.screenshot.colours >= 5, "badges, marks and bands are drawn in colour")
    }

    struct Unreachable: Error, CustomStringConvertible {
        var description: String { "connection refused" }
    }

    @Test func gatherOpensEachRepositoryOfThePolicy() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kura-status-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let repository = try await Self.repository(at: folder + "/repo")
        _ = try await Self.record(repository, "db", 1, at: StatusFixtures.now.addingTimeInterval(-600))
        let policy = StatusFixtures.policy([StatusFixtures.subject("db", priority: 1, rpo: "1h", repositories: ["main", "offsite"])])
        let report = await StatusReport.gather(policy: policy, now: StatusFixtures.now) { entry in
            guard entry.name == "main" else { throw Unreachable() }
            return repository
        }
        #expect(report.subjects[0].copies.map(\.rpoState) == [.ok, .breached])
        #expect(report.subjects[0].copies[1].unreadable == "connection refused")
        #expect(report.inBreach)
    }
}
