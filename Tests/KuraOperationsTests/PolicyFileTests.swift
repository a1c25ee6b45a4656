import Foundation
@testable import KuraOperations
import Testing

@Suite struct PolicyFileTests {
    static let exampleFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/kura.example.toml").path

    @Test func readsTheAnnotatedExample() throws {
        let policy = try PolicyFile.load(path: Self.exampleFile)
        #expect(policy.subjects.map(\.name) == ["home", "etc"])
        let home = try #require(policy.subject(named: "home"))
        #expect(home.paths == ["/home"])
        #expect(home.exclude == ["*.tmp", "/home/*/.cache"])
        #expect(home.priority == 1)
        #expect(home.rpo == 3600)
        #expect(home.rto == TimeInterval(4 * 3600))
        #expect(home.repositories == ["main", "offsite"])
        #expect(home.keep == KeepRules(last: 5, hourly: 24, daily: 7, weekly: 4, monthly: 12, yearly: 3))
        #expect(home.drill == DrillPolicy(every: 7 * 86_400, sample: 0.1))
        #expect(policy.primaryRepository(of: home)?.location == "/srv/kura")
        #expect(policy.repositories["main"]?.passwordFile == "/etc/kura/main.pw")
        #expect(policy.repositories["offsite"]?.passwordCommand == "cat /etc/kura/offsite.pw")
        #expect(policy.repositories["offsite"]?.s3Region == "eu-central-1")
        #expect(policy.subject(named: "etc")?.keep.within == KeepWithin(days: 2))
    }

    @Test func keepWithinBucketKeys() throws {
        let text = """
            [repository.main]
            location = "/srv/kura"

            [subject.home]
            paths = ["/home"]
            repositories = ["main"]
            keep = { within-daily = "7d", within-monthly = "1y" }

            [subject.etc]
            paths = ["/etc"]
            repositories = ["main"]
            keep = { within-weekly = "3m" }
            """
        let file = NSTemporaryDirectory() + "kura-policy-\(UUID().uuidString).toml"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        do {
            _ = try PolicyFile.load(path: file)
            Issue.record("a bare m in within-weekly was accepted")
        } catch {
            #expect("\(error)".contains("keep-within-weekly") && "\(error)".contains("mo"), "\(error)")
        }
        try text.replacingOccurrences(of: "\"3m\"", with: "\"3w\"").write(toFile: file, atomically: true, encoding: .utf8)
        let policy = try PolicyFile.load(path: file)
        #expect(policy.subject(named: "home")?.keep == KeepRules(withinBuckets: [.daily: KeepWithin(days: 7), .monthly: KeepWithin(years: 1)]))
        #expect(policy.subject(named: "etc")?.keep.withinBuckets == [.weekly: KeepWithin(days: 21)])
    }

    /// Each kind of mistake is reported with the line it is on.
    @Test func problemsNameTheirLines() throws {
        let text = """
            [repository.main]
            location = "/srv/kura"
            pasword-file = "/etc/kura/main.pw"

            [subject.home]
            paths = ["/home"]
            rpo = "1 hour"
            rto = 4
            repositories = ["main", "offsite"]
            keep = { last = 5, daily = -1, fortnightly = 2 }
            drill = { every = "7d", sample = "150%" }
            colour = "blue"
            """
        let problems = try #require(problemsOf(text))
        let byLine = Dictionary(grouping: problems, by: { $0.line ?? 0 }).mapValues { $0.map(\.message) }
        #expect(byLine[3]?.first?.contains("unknown key \"pasword-file\"") == true)
        #expect(byLine[7]?.first?.contains("rpo = \"1 hour\" is not a duration") == true)
        #expect(byLine[8]?.first?.contains("rto should be a string") == true)
        #expect(byLine[9]?.first?.contains("repository \"offsite\", which is not defined") == true)
        #expect(byLine[10]?.contains { $0.contains("daily = -1 is below the minimum") } == true)
        #expect(byLine[10]?.contains { $0.contains("unknown key \"fortnightly\"") } == true)
        #expect(byLine[11]?.first?.contains("sample \"150%\"") == true)
        #expect(byLine[12]?.first?.contains("unknown key \"colour\"") == true)
        #expect(problems.allSatisfy { $0.description.hasPrefix("kura.toml:") })
    }

    @Test func missingRequiredKeysPointAtTheirTable() throws {
        let text = """
            [repository.main]
            password-file = "main.pw"

            [subject.web]
            rpo = "1h"
            """
        let problems = try #require(problemsOf(text))
        #expect(problems.contains { $0.line == 1 && $0.message.contains("needs location") })
        #expect(problems.contains { $0.line == 4 && $0.message.contains("needs paths") })
        #expect(problems.contains { $0.line == 4 && $0.message.contains("needs repositories") })
    }

    @Test func syntaxErrorsCarryTheParsersLine() throws {
        let problems = try #require(problemsOf("[subject.home]\npaths = [\"/home\"\nrpo = \"1h\"\n"))
        #expect(problems.count == 1)
        #expect(problems[0].message.hasPrefix("not valid TOML"))
        #expect(problems[0].line == 2 || problems[0].line == 3)
    }

    @Test func relativePathsAreRelativeToThePolicyFile() throws {
        let policy = try PolicyFile.parse("[repository.r]\nlocation = \"repo\"\npassword-file = \"r.pw\"\n",
                                          file: "/etc/kura/kura.toml")
        #expect(policy.repositories["r"]?.location == "/etc/kura/repo")
        #expect(policy.repositories["r"]?.passwordFile == "/etc/kura/r.pw")
    }

    @Test func subjectsComeInPriorityOrder() throws {
        let policy = try PolicyFile.parse("""
            [repository.r]
            location = "/r"
            [subject.b]
            paths = ["/b"]
            repositories = ["r"]
            priority = 2
            [subject.a]
            paths = ["/a"]
            repositories = ["r"]
            priority = 3
            [subject.c]
            paths = ["/c"]
            repositories = ["r"]
            priority = 1
            """, file: "p.toml")
        #expect(policy.subjects.map(\.name) == ["c", "b", "a"])
    }

    @Test func unreadableFilesSayWhy() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kura-policy-\(UUID().uuidString).toml")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data([0xFF, 0xFE, 0x5B]).write(to: file)
        #expect(throws: PolicyError.unreadable(file.path, "it is not UTF-8 text")) { try PolicyFile.load(path: file.path) }
        let folder = FileManager.default.temporaryDirectory.path
        #expect(throws: PolicyError.unreadable(folder, "it is a directory, not a file")) { try PolicyFile.load(path: folder) }
    }

    @Test func missingFileIsNamed() {
        #expect(throws: PolicyError.notFound("/nonexistent/kura.toml")) {
            try PolicyFile.load(path: "/nonexistent/kura.toml")
        }
    }

    private func problemsOf(_ text: String) -> [PolicyProblem]? {
        do {
            _ = try PolicyFile.parse(text, file: "kura.toml")
            return nil
        } catch {
            if case .invalid(let problems) = error { return problems }
            return nil
        }
    }
}
