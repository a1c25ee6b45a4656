import Foundation
import Testing

/// `kura status` and `kura runbook` with a policy file: two repositories (the second opened
/// through a password command), targets, a subject outside the policy, and a repository
/// that goes missing.
@Suite struct StatusPolicyTests {
    static let t0 = "2030-03-01T00:00:00Z"

    /// db (priority 1, RPO 1h, RTO 4h) goes to main and copy; etc (priority 2, RPO 1d) to main;
    /// stray is backed up to main outside the policy. Everything at t0.
    static func setUp() throws -> (repo: RepositoryScratch, config: String) {
        let repo = try RepositoryScratch()
        try repo.scratch.write("copy-password", "another password\n")
        let copy = try repo.kura(arguments: ["init", "--repo", repo.path("copy"), "--password-file", repo.path("copy-password"),
                                             "--kdf-iterations", "1", "--kdf-memory", "8"])
        #expect(copy.status == 0, "\(copy.stderr)")
        try repo.writeRandom("data/db/table.bin", size: 200_000, seed: 5)
        try repo.scratch.write("data/db/wal/0001", "log\n")
        try repo.scratch.write("data/etc/hosts", "127.0.0.1 localhost\n")
        try repo.scratch.write("data/stray/x", "x\n")
        let policy = """
            [repository.main]
            location = "\(repo.path("repo"))"
            password-file = "\(repo.path("password"))"

            [repository.copy]
            location = "\(repo.path("copy"))"
            password-command = "cat \(repo.path("copy-password"))"

            [subject.etc]
            paths = ["\(repo.path("data/etc"))"]
            priority = 2
            rpo = "1d"
            repositories = ["main"]

            [subject.db]
            paths = ["\(repo.path("data/db"))"]
            priority = 1
            rpo = "1h"
            rto = "4h"
            repositories = ["main", "copy"]
            """
        let config = try repo.scratch.write("kura.toml", policy)
        for arguments in [["backup", "--subject", "db"], ["backup", "--subject", "db", "--repo", "copy"],
                          ["backup", "--subject", "etc"]] {
            let result = try repo.kura(arguments: arguments, environment: at(t0, config))
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
        }
        let stray = try repo.kura(arguments: ["backup", "--subject", "stray", repo.path("data/stray")],
                                  environment: ["KURA_TEST_NOW": t0])
        #expect(stray.status == 0, "\(stray.stderr)")
        return (repo, config)
    }

    static func at(_ time: String, _ config: String) -> [String: String] {
        ["KURA_TEST_NOW": time, "KURA_CONFIG": config, "KURA_REPOSITORY": "", "KURA_PASSWORD_FILE": ""]
    }

    static func json(_ result: CommandResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
    }

    static func states(_ document: [String: Any]) -> [String: String] {
        var states: [String: String] = [:]
        for subject in document["subjects"] as? [[String: Any]] ?? [] {
            if let name = subject["name"] as? String { states[name] = subject["state"] as? String }
        }
        return states
    }

    @Test func statesMoveWithTimeAndTheExitCodeFollows() throws {
        let (repo, config) = try Self.setUp()
        let fresh = try repo.kura(arguments: ["status", "--json"], environment: Self.at("2030-03-01T00:30:00Z", config))
        #expect(fresh.status == 0, "\(fresh.stderr)")
        let document = try Self.json(fresh)
        #expect(document["policy"] as? String == config)
        let subjects = try #require(document["subjects"] as? [[String: Any]])
        #expect(subjects.compactMap { $0["name"] as? String } == ["db", "etc", "stray"], "priority order, then outside the policy")
        #expect(Self.states(document) == ["db": "ok", "etc": "ok", "stray": "no-target"])
        let db = try #require(subjects[0]["repositories"] as? [[String: Any]])
        #expect(db.compactMap { $0["repository"] as? String } == ["main", "copy"])
        #expect(db.compactMap { $0["generations"] as? Int } == [1, 1])
        #expect(subjects[0]["generations"] as? Int == 2)
        #expect(subjects[2]["in_policy"] as? Bool == false)

        let due = try repo.kura(arguments: ["status", "--json"], environment: Self.at("2030-03-01T00:55:00Z", config))
        #expect(due.status == 0)
        #expect(Self.states(try Self.json(due))["db"] == "due", "within the 6-minute margin of a 1h RPO")

        let late = try repo.kura(arguments: ["status"], environment: Self.at("2030-03-01T02:00:00Z", config))
        #expect(late.status == 3)
        #expect(late.output.contains("BREACH db: RPO breached in main: newest generation db@1 is 2h old, RPO 1h"), "\(late.output)")
        #expect(late.output.contains("BREACH db: RPO breached in copy"))
        #expect(!late.output.contains("BREACH etc"))

        let etcOnly = try repo.kura(arguments: ["status", "etc"], environment: Self.at("2030-03-01T02:00:00Z", config))
        #expect(etcOnly.status == 0, "only etc is judged: \(etcOnly.output)")
    }

    @Test func anUnreadableRepositoryIsReportedAndCountsAsABreach() throws {
        let (repo, config) = try Self.setUp()
        _ = try repo.shell("mv '\(repo.path("copy"))' '\(repo.path("copy-away"))'")
        let metrics = repo.path("kura.prom")
        let result = try repo.kura(arguments: ["status", "--json", "--prometheus", metrics],
                                   environment: Self.at("2030-03-01T00:30:00Z", config))
        #expect(result.status == 3)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("kura: repository copy (\(repo.path("copy"))) cannot be read: "), "\(result.stderr)")
        let document = try Self.json(result)
        #expect(Self.states(document) == ["db": "breached", "etc": "ok", "stray": "no-target"])
        let repositories = try #require(document["repositories"] as? [[String: Any]])
        #expect(repositories.compactMap { $0["readable"] as? Bool } == [true, false])
        let text = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(text.contains("kura_repository_up{location=\"\(repo.path("copy"))\",repository=\"copy\"} 0"))
        #expect(text.contains("kura_subject_breached{subject=\"db\"} 1"))
        #expect(text.contains("kura_status_in_breach 1"))

        let wrong = try repo.kura(arguments: ["status", "etc"], environment: Self.at("2030-03-01T00:30:00Z", config))
        #expect(wrong.status == 0 && wrong.stderr.isEmpty, "etc does not go to copy, so copy is not opened: \(wrong.stderr)")
    }

    @Test func runbookFallsBackToTheSecondRepositoryAsPrinted() throws {
        let (repo, config) = try Self.setUp()
        let root = repo.path("restores")
        let result = try repo.kura(arguments: ["runbook", "db", "--restore-root", root], environment: Self.at("2030-03-01T00:30:00Z", config))
        #expect(result.status == 0, "\(result.stderr)")
        let text = result.output
        #expect(text.contains("Made at 2030-03-01 00:30 UTC from the policy `\(config)`"))
        #expect(text.contains("RPO **1h**, RTO **4h**"))
        #expect(text.contains("Paths: `\(repo.path("data/db"))`"))
        #expect(!text.contains("another password") && !text.contains("test password"), "never a secret")
        let fallback = try #require(text.range(of: "If `main` is unavailable: restore from `copy`"))
        let commands = text[fallback.upperBound...].split(separator: "\n").map(String.init)
            .filter { $0.hasPrefix("kura ") || $0.hasPrefix("mkdir ") }
        #expect(commands.contains { $0.contains("--repo \(repo.path("copy")) --password-command 'cat \(repo.path("copy-password"))'") },
                "\(commands)")
        // main is gone; the commands for copy, run as printed, bring db back.
        _ = try repo.shell("mv '\(repo.path("repo"))' '\(repo.path("repo-away"))'")
        let kuraFolder = (Tools.kura as NSString).deletingLastPathComponent
        for command in commands where !command.hasPrefix("kura status") {
            let run = try repo.scratch.run("/usr/bin/env", ["-i", "PATH=\(kuraFolder):/usr/bin:/bin", "HOME=\(repo.path(""))",
                                                           "/bin/sh", "-c", command])
            #expect(run.status == 0, "\(command): \(run.stderr)")
        }
        let original = try TreeSnapshot.take(repo.path("data/db"))
        let restored = try TreeSnapshot.take(root + "/db" + repo.path("data/db"))
        #expect(original == restored, "\(TreeSnapshot.differences(original, restored))")

        let broken = try repo.kura(arguments: ["runbook"], environment: Self.at("2030-03-01T00:30:00Z", config))
        #expect(broken.status == 3, "main cannot be read now")
        #expect(broken.output.contains("could not be read"), "the runbook is still written and says so")
    }

    @Test func oneRepositoryByNameAndDamagedRecords() throws {
        let (repo, config) = try Self.setUp()
        let copyOnly = try repo.kura(arguments: ["status", "--json", "--repo", "copy"], environment: Self.at("2030-03-01T00:30:00Z", config))
        #expect(copyOnly.status == 0, "\(copyOnly.stderr)")
        let document = try Self.json(copyOnly)
        #expect((document["repositories"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["copy"])

        // A generation record in copy is damaged: it no longer counts, status says so, and
        // db (whose only generation there it was) breaches its RPO in copy.
        let generations = repo.path("copy/generations")
        let enumerator = FileManager.default.enumerator(atPath: generations)
        var files: [String] = []
        while let entry = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: generations + "/" + entry, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(generations + "/" + entry)
            }
        }
        let record = try #require(files.first)
        chmod(record, 0o600)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: record)))
        bytes[40] ^= 1
        try Data(bytes).write(to: URL(fileURLWithPath: record))
        let damaged = try repo.kura(arguments: ["status"], environment: Self.at("2030-03-01T00:30:00Z", config))
        #expect(damaged.status == 3)
        #expect(damaged.output.contains("1 damaged record(s): run kura check"), "\(damaged.output)")
        #expect(damaged.output.contains("BREACH db: RPO breached in copy: no generation at all"), "\(damaged.output)")
    }
}
