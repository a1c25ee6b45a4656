import Foundation
import Testing

/// The policy file, `kura run` and `kura schedule` through the real binary, with time moved
/// by KURA_TEST_NOW.
@Suite struct PolicyRunTests {
    /// A repository, a small data folder and a policy with one subject (RPO 1h) backed up to it.
    static func setUp(rpo: String = "1h", extra: String = "",
                      passwordLine: ((RepositoryScratch) -> String)? = nil) throws -> (RepositoryScratch, String) {
        let repo = try RepositoryScratch()
        try repo.scratch.write("data/a.txt", "alpha\n")
        try repo.writeRandom("data/b.bin", size: 300_000, seed: 7)
        let policy = """
            [repository.main]
            location = "\(repo.path("repo"))"
            \(passwordLine?(repo) ?? "password-file = \"\(repo.path("password"))\"")

            [subject.data]
            paths = ["\(repo.path("data"))"]
            exclude = ["*.tmp"]
            rpo = "\(rpo)"
            repositories = ["main"]
            \(extra)
            """
        try repo.scratch.write("kura.toml", policy)
        return (repo, repo.path("kura.toml"))
    }

    static func at(_ time: String, _ config: String) -> [String: String] {
        ["KURA_TEST_NOW": time, "KURA_CONFIG": config, "KURA_REPOSITORY": "", "KURA_PASSWORD_FILE": ""]
    }

    @Test func runBacksUpOnlyWhatIsDueAndReportsBreaches() throws {
        let (repo, config) = try Self.setUp()
        try repo.scratch.write("data/skip.tmp", "excluded\n")

        let first = try repo.kura(arguments: ["run"], environment: Self.at("2030-01-01T00:00:00Z", config))
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.output.contains("2030-01-01T00:00:00Z data: backed up data@1 to main"), "\(first.output)")

        #expect(first.output.contains("main: policy recorded (sha256 "), "\(first.output)")

        let early = try repo.kura(arguments: ["run"], environment: Self.at("2030-01-01T00:30:00Z", config))
        #expect(early.status == 0 && early.output.isEmpty, "nothing due after 30 minutes: \(early.output)")

        let due = try repo.kura(arguments: ["run"], environment: Self.at("2030-01-01T00:55:00Z", config))
        #expect(due.output.contains("backed up data@2"), "due within the margin before the RPO: \(due.output)")

        // A changed policy is recorded in the audit log before it takes effect.
        try repo.scratch.write("kura.toml", try String(contentsOfFile: config, encoding: .utf8) + "\n# tuned\n")
        let changed = try repo.kura(arguments: ["run"], environment: Self.at("2030-01-01T00:56:00Z", config))
        #expect(changed.output.contains("main: policy change recorded"), "\(changed.output)")
        let audit = try repo.kura(arguments: ["audit", "log"], environment: Self.at("2030-01-01T00:56:00Z", config)).output
        #expect(audit.components(separatedBy: "  policy  ").count - 1 == 2, "\(audit)")

        let listing = try repo.kura(arguments: ["ls", "data@2"], environment: Self.at("2030-01-01T00:55:00Z", config))
        #expect(listing.output.contains("/a.txt") && listing.output.contains("/b.bin"))
        #expect(!listing.output.contains("skip.tmp"), "the policy's excludes apply")

        // The data folder disappears: the backup fails, the RPO passes, run says so with exit 3.
        _ = try repo.shell("mv '\(repo.path("data"))' '\(repo.path("gone"))'")
        let breached = try repo.kura(arguments: ["run"], environment: Self.at("2030-01-01T02:00:00Z", config))
        #expect(breached.status == 3, "\(breached.output) \(breached.stderr)")
        #expect(breached.output.contains("data: backup to main failed: \(repo.path("data")) does not exist"), "\(breached.output)")
        #expect(breached.output.contains("breach: data: RPO breached in main: newest generation data@2 is 1h5m old, RPO 1h"), "\(breached.output)")
    }

    /// Ten days of daily runs: a backup each day, retention keeping the newest three, a prune
    /// once a day after forgetting, and a full drill every week; everything recorded.
    @Test func runAppliesRetentionPrunesAndDrillsOverDays() throws {
        let (repo, config) = try Self.setUp(rpo: "1d", extra: """
            keep = { last = 2, daily = 3 }
            drill = { every = "7d", sample = "100%" }
            """)
        var log = ""
        for day in 1...10 {
            try repo.writeRandom("data/day.bin", size: 200_000, seed: UInt64(day))
            let time = String(format: "2030-03-%02dT03:00:00Z", day)
            let result = try repo.kura(arguments: ["run"], environment: Self.at(time, config))
            #expect(result.status == 0, "day \(day): \(result.output) \(result.stderr)")
            log += result.output
        }
        let environment = Self.at("2030-03-10T04:00:00Z", config)
        let generations = try repo.kura(arguments: ["generations", "--json"], environment: environment)
        let numbers = try #require(try JSONSerialization.jsonObject(with: generations.stdout) as? [[String: Any]])
            .compactMap { $0["number"] as? Int }
        #expect(numbers.sorted() == [8, 9, 10], "\(log)")
        #expect(log.contains("data: forgot 1 generation(s) in main (data@1); 3 kept"), "\(log)")
        #expect(log.contains("main: pruned:"), "\(log)")
        #expect(log.components(separatedBy: "data: drill of data@").count - 1 == 2, "a drill on day 1 and day 8: \(log)")
        #expect(log.contains("2030-03-08T03:00:00Z data: drill of data@8 passed"), "\(log)")

        let audit = try repo.kura(arguments: ["audit", "log"], environment: environment).output
        for action in ["forget", "prune", "drill"] { #expect(audit.contains("  \(action)"), "\(action): \(audit)") }
        #expect(try repo.kura(arguments: ["audit", "verify"], environment: environment).status == 0)
        let check = try repo.kura(arguments: ["check", "--read-data"], environment: environment)
        #expect(check.status == 0, "\(check.output) \(check.stderr)")
        let restore = try repo.kura(arguments: ["restore", "data@8", "--target", repo.path("out"), "--verify"], environment: environment)
        #expect(restore.status == 0, "\(restore.stderr)")
    }

    /// A subject with a second repository: run copies each new generation there, and status
    /// judges both copies.
    @Test func runCopiesToTheSecondRepository() throws {
        let (repo, config) = try Self.setUp()
        #expect(try repo.kura("init", "--repo", repo.path("second"), "--kdf-iterations", "1", "--kdf-memory", "8").status == 0)
        let text = try String(contentsOfFile: config, encoding: .utf8)
            .replacingOccurrences(of: "repositories = [\"main\"]", with: "repositories = [\"main\", \"second\"]")
            + "\n[repository.second]\nlocation = \"\(repo.path("second"))\"\npassword-file = \"\(repo.path("password"))\"\n"
        try repo.scratch.write("kura.toml", text)
        let first = try repo.kura(arguments: ["run"], environment: Self.at("2030-01-01T00:00:00Z", config))
        #expect(first.status == 0, "\(first.output) \(first.stderr)")
        #expect(first.output.contains("data: copied data@1 to second"), "\(first.output)")
        try repo.scratch.write("data/new.txt", "new\n")
        let second = try repo.kura(arguments: ["run"], environment: Self.at("2030-01-01T01:00:00Z", config))
        #expect(second.output.contains("data: copied data@2 to second"), "\(second.output)")
        let restore = try repo.kura(arguments: ["restore", "--repo", "second", "data@2", "--target", repo.path("out"), "--verify"],
                                    environment: Self.at("2030-01-01T01:00:00Z", config))
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(try repo.scratch.read("out" + repo.path("data/new.txt")) == Data("new\n".utf8))
        // The second copy falls behind when it cannot be reached: a breach named for it.
        _ = try repo.shell("mv '\(repo.path("second"))' '\(repo.path("second-away"))'")
        let away = try repo.kura(arguments: ["run"], environment: Self.at("2030-01-01T02:00:00Z", config))
        #expect(away.status == 3, "\(away.output)")
        #expect(away.output.contains("data: copy to second failed"), "\(away.output)")
        #expect(away.output.contains("breach: data: repository second cannot be read"), "\(away.output)")
    }

    @Test func unreachableRepositoryIsABreachNotACrash() throws {
        let (repo, config) = try Self.setUp()
        let text = try String(contentsOfFile: config, encoding: .utf8)
            .replacingOccurrences(of: repo.path("repo"), with: repo.path("missing"))
        try repo.scratch.write("kura.toml", text)
        let result = try repo.kura(arguments: ["run"], environment: Self.at("2030-01-01T00:00:00Z", config))
        #expect(result.status == 3)
        #expect(result.output.contains("data: backup to main failed: no Kura repository at \(repo.path("missing"))"), "\(result.output)")
        #expect(result.output.contains("breach: data: repository main cannot be read"), "\(result.output)")
    }

    @Test func twoRunsNeverWorkAtOnce() throws {
        // The password command holds the first run inside its lock for two seconds.
        let (repo, config) = try Self.setUp { "password-command = \"sleep 2; cat '\($0.path("password"))'\"" }
        var environment = ProcessInfo.processInfo.environment.merging(repo.environment) { $1 }
        environment.merge(Self.at("2030-01-01T00:00:00Z", config)) { $1 }
        let first = try repo.scratch.start(Tools.kura, ["run"], environment: environment)
        Thread.sleep(forTimeInterval: 0.7)
        let second = try repo.kura(arguments: ["run"], environment: Self.at("2030-01-01T00:00:00Z", config))
        first.waitUntilExit()
        #expect(second.status == 0)
        #expect(second.output.contains("another kura run (pid \(first.processIdentifier)"), "\(second.output)")
        #expect(first.terminationStatus == 0)
        let generations = try repo.kura(arguments: ["generations"], environment: Self.at("2030-01-01T00:00:00Z", config))
        #expect(generations.output.contains("data@1") && !generations.output.contains("data@2"), "\(generations.output)")
    }

    @Test func subjectCommandsFindTheirRepositoryInThePolicy() throws {
        let (repo, config) = try Self.setUp()
        let environment = Self.at("2030-01-01T00:00:00Z", config)
        let backup = try repo.kura(arguments: ["backup", "--subject", "data"], environment: environment)
        #expect(backup.status == 0, "\(backup.stderr)")
        #expect(backup.output.hasPrefix("data@1 "))
        let restore = try repo.kura(arguments: ["restore", "data@1", "--target", repo.path("out"), "--verify"], environment: environment)
        #expect(restore.status == 0, "\(restore.stderr)")
        let unknown = try repo.kura(arguments: ["backup", "--subject", "other"], environment: environment)
        #expect(unknown.status == 2 && unknown.stderr.contains("name at least one path"), "\(unknown.stderr)")
    }

    @Test func policyCheckListsEveryProblemWithItsLine() throws {
        let (repo, config) = try Self.setUp(extra: "rto = \"soon\"\nkeep = { last = 5, fortnightly = 1 }")
        let result = try repo.kura(arguments: ["policy", "check", "--config", config])
        #expect(result.status == 2)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("\(config):10: rto = \"soon\" is not a duration") }, "\(result.stderr)")
        #expect(lines.contains { $0.hasPrefix("\(config):11: unknown key \"fortnightly\"") }, "\(result.stderr)")

        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/kura.example.toml").path
        let valid = try repo.kura(arguments: ["policy", "check", "--config", example])
        #expect(valid.status == 0 && valid.output.contains("valid: 2 repositories, 2 subjects"), "\(valid.stderr)")

        let missing = try repo.kura(arguments: ["run", "--config", repo.path("nope.toml")])
        #expect(missing.status == 2 && missing.stderr.contains("nope.toml does not exist"))
        let badTime = try repo.kura(arguments: ["generations"], environment: ["KURA_TEST_NOW": "yesterday"])
        #expect(badTime.status == 2 && badTime.stderr.contains("KURA_TEST_NOW"))
    }

    @Test func systemdUnitsPassSystemdAnalyzeVerify() throws {
        let (repo, config) = try Self.setUp()
        let units = repo.path("units")
        try FileManager.default.createDirectory(atPath: units, withIntermediateDirectories: true)
        let written = try repo.kura(arguments: ["schedule", "--systemd", "--every", "15m", "--output-dir", units, "--config", config])
        #expect(written.status == 0, "\(written.stderr)")
        let service = try String(contentsOfFile: units + "/kura-run.service", encoding: .utf8)
        #expect(service.contains("ExecStart=\(Tools.kura) run --config \(config)") || service.contains(" run --config \(config)"))
        #expect(try String(contentsOfFile: units + "/kura-run.timer", encoding: .utf8).contains("OnUnitActiveSec=15min"))
        let verify = try repo.shell("systemd-analyze verify '\(units)/kura-run.service' '\(units)/kura-run.timer' 2>&1")
        #expect(verify.status == 0, "\(verify.output)")

        // The check can fail: a unit with a broken directive does not pass.
        try repo.scratch.write("units/kura-run.service", service.replacingOccurrences(of: "Type=oneshot", with: "Type=sometimes"))
        let broken = try repo.shell("systemd-analyze verify '\(units)/kura-run.service' 2>&1")
        #expect(broken.status != 0 || broken.output.contains("Failed to parse"), "\(broken.output)")

        #expect(try repo.kura(arguments: ["schedule", "--cron", "--every", "7m", "--config", config]).status == 2)
        #expect(try repo.kura(arguments: ["schedule", "--config", config]).status == 2)
    }

    @Test func cronLineIsAcceptedByCrontab() throws {
        let (repo, config) = try Self.setUp()
        let crontab = try #require(Tools.path(of: "crontab"), "crontab is missing; Scripts/test.sh installs cron")
        let printed = try repo.kura(arguments: ["schedule", "--cron", "--every", "10m", "--config", config])
        #expect(printed.status == 0)
        let line = try #require(printed.output.split(separator: "\n").first { !$0.hasPrefix("#") })
        #expect(line.hasPrefix("*/10 * * * * ") && line.contains(" run --config \(config) >>"))
        try repo.scratch.write("crontab", printed.output)
        // crontab installs only a file it can parse; nobody's crontab is a scratch place for that.
        let installed = try repo.shell("'\(crontab)' -u nobody '\(repo.path("crontab"))' && '\(crontab)' -u nobody -l && '\(crontab)' -u nobody -r")
        #expect(installed.status == 0, "\(installed.stderr)")
        #expect(installed.output.contains(String(line)))
        try repo.scratch.write("bad-crontab", "*/10 * * * run\n")
        let refused = try repo.shell("'\(crontab)' -u nobody '\(repo.path("bad-crontab"))'")
        #expect(refused.status != 0, "crontab refuses a malformed line")
        _ = try repo.shell("'\(crontab)' -u nobody -r 2>/dev/null")
    }
}
