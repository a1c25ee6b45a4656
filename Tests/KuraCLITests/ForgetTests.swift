import Foundation
import Testing

/// `kura forget` with the real binary over generations made at different KURA_TEST_NOW times.
@Suite struct ForgetTests {
    /// Generation times of subject s, numbered 1...8 (3 March 2025 is a Monday).
    static let times = ["2024-11-20T10:00:00Z", "2025-01-15T10:00:00Z", "2025-02-10T10:00:00Z", "2025-02-20T10:00:00Z",
                        "2025-03-03T09:00:00Z", "2025-03-03T09:30:00Z", "2025-03-03T11:00:00Z", "2025-03-04T08:00:00Z"]
    static let now = "2025-03-05T00:00:00Z"

    static func populated() throws -> RepositoryScratch {
        let repo = try RepositoryScratch()
        for (index, time) in times.enumerated() {
            try repo.scratch.write("data/file", "version \(index)\n")
            #expect(try repo.backup("s", repo.path("data"), at: time).status == 0)
        }
        try repo.scratch.write("other/file", "other\n")
        #expect(try repo.backup("t", repo.path("other"), at: "2025-01-01T00:00:00Z").status == 0)
        return repo
    }

    static let cases: [(flags: [String], kept: Set<Int>)] = [
        (["--keep-last", "3"], [8, 7, 6]),
        (["--keep-hourly", "4"], [8, 7, 6, 4]),
        (["--keep-daily", "2"], [8, 7]),
        (["--keep-weekly", "2"], [8, 4]),
        (["--keep-monthly", "3"], [8, 4, 2]),
        (["--keep-yearly", "5"], [8, 1]),
        (["--keep-within", "1d"], [8, 7, 6, 5]),
        (["--keep-last", "1", "--keep-monthly", "2"], [8, 4]),
        (["--keep-daily", "unlimited"], [8, 7, 4, 3, 2, 1]),
        (["--keep-within-daily", "2d"], [8, 7]),
        (["--keep-within-hourly", "1d"], [8, 7, 6]),
        (["--keep-within-monthly", "2mo"], [8, 4, 2]),
        (["--keep-within-weekly", "3w", "--keep-within-yearly", "1y"], [8, 4, 1]),
    ]

    @Test func eachRuleKeepsWhatResticWould() throws {
        let repo = try Self.populated()
        for (index, testCase) in Self.cases.enumerated() {
            let copy = repo.path("copy\(index)")
            #expect(try repo.shell("cp -a '\(repo.path("repo"))' '\(copy)'").status == 0)
            let env = ["KURA_REPOSITORY": copy, "KURA_TEST_NOW": Self.now]
            let result = try repo.kura(arguments: ["forget", "--subject", "s", "--json"] + testCase.flags, environment: env)
            #expect(result.status == 0, "\(testCase.flags): \(result.stderr)")
            let subjects = jsonObject(result)["subjects"] as? [[String: Any]] ?? []
            let kept = (subjects.first?["keep"] as? [[String: Any]] ?? []).compactMap { $0["number"] as? Int }
            #expect(Set(kept) == testCase.kept, "\(testCase.flags)")
            let remaining = try repo.generationNames(environment: env).keys
            #expect(Set(remaining) == Set(testCase.kept.map { "s@\($0)" } + ["t@1"]), "\(testCase.flags): \(remaining.sorted())")
        }
    }

    @Test func reasonsAndTextListing() throws {
        let repo = try Self.populated()
        let env = ["KURA_TEST_NOW": Self.now]
        let json = try repo.kura(arguments: ["forget", "--keep-last", "1", "--keep-monthly", "2", "--dry-run", "--json"], environment: env)
        let subjects = jsonObject(json)["subjects"] as? [[String: Any]] ?? []
        #expect(subjects.compactMap { $0["subject"] as? String } == ["s", "t"])
        let keep = subjects.first?["keep"] as? [[String: Any]] ?? []
        #expect(keep.first?["name"] as? String == "s@8")
        #expect(keep.first?["reasons"] as? [String] == ["last", "monthly"])
        #expect(keep.last?["reasons"] as? [String] == ["monthly"])
        let text = try repo.kura(arguments: ["forget", "--keep-last", "1", "--keep-monthly", "2"], environment: env)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.output.contains("s@8") && text.output.contains("last, monthly"), "\(text.output)")
        #expect(text.output.contains("s: 2 kept, 6 removed"), "\(text.output)")
        #expect(text.output.contains("t: 1 kept, 0 removed"), "\(text.output)")
        #expect(Set(try repo.generationNames().keys) == ["s@8", "s@4", "t@1"])
    }

    @Test func dryRunChangesNothing() throws {
        let repo = try Self.populated()
        let before = try repo.objectListing(repo.path("repo"))
        let result = try repo.kura(arguments: ["forget", "--keep-last", "1", "--dry-run"], environment: ["KURA_TEST_NOW": Self.now])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.output.contains("would remove"), "\(result.output)")
        let pruned = try repo.kura(arguments: ["forget", "--keep-last", "1", "--dry-run", "--prune"], environment: ["KURA_TEST_NOW": Self.now])
        #expect(pruned.status == 0, "\(pruned.stderr)")
        var after = try repo.objectListing(repo.path("repo"))
        after = after.filter { !$0.key.hasPrefix("locks/") }
        #expect(after == before.filter { !$0.key.hasPrefix("locks/") })
        #expect(try repo.generationNames().count == 9)
    }

    @Test func subjectLimitsForgetToOneSubject() throws {
        let repo = try Self.populated()
        try repo.scratch.write("other/file", "other 2\n")
        #expect(try repo.backup("t", repo.path("other"), at: "2025-01-02T00:00:00Z").status == 0)
        let result = try repo.kura(arguments: ["forget", "--subject", "t", "--keep-last", "1"], environment: ["KURA_TEST_NOW": Self.now])
        #expect(result.status == 0, "\(result.stderr)")
        let names = Set(try repo.generationNames().keys)
        #expect(names == Set((1...8).map { "s@\($0)" } + ["t@2"]))
    }

    @Test func badInputIsRefusedAndChangesNothing() throws {
        let repo = try Self.populated()
        let before = try repo.objectListing(repo.path("repo")).filter { !$0.key.hasPrefix("locks/") }
        let cases: [([String], Int32)] = [
            (["forget", "--subject", "nosuch", "--keep-last", "1"], 1),
            (["forget", "--keep-last=-1"], 2),
            (["forget", "--keep-daily", "-3"], 2),
            (["forget", "--keep-weekly", "many"], 2),
            (["forget", "--keep-within", "3x"], 2),
            (["forget", "--keep-within", "-2d"], 2),
            (["forget", "--keep-within", "1m"], 2),
            (["forget", "--keep-within-daily", "1m"], 2),
            (["forget", "--keep-within-monthly", "x"], 2),
            (["forget"], 2),
            (["forget", "--keep-last", "0"], 2),
            (["forget", "--dry-run", "--subject", "s"], 2),
            (["forget", "--keep-last", "1", "--prune", "--max-unused", "120%"], 2),
        ]
        for (arguments, status) in cases {
            let result = try repo.kura(arguments: arguments)
            #expect(result.status == status, "\(arguments): \(result.status) \(result.stderr)")
            #expect(!result.stderr.isEmpty && !result.stderr.contains("Fatal error"), "\(arguments)")
        }
        let unknown = try repo.kura("forget", "--subject", "nosuch", "--keep-last", "1")
        #expect(unknown.stderr.hasPrefix("kura: ") && unknown.stderr.contains("nosuch"), "\(unknown.stderr)")
        #expect(unknown.stderr.split(separator: "\n").count == 1)
        let ambiguous = try repo.kura("forget", "--keep-within-daily", "3m")
        #expect(ambiguous.stderr.contains("keep-within-daily") && ambiguous.stderr.contains("mo") && ambiguous.stderr.contains("min"),
                "\(ambiguous.stderr)")
        let noRule = try repo.kura("forget")
        #expect(noRule.stderr.contains("--keep-last"), "\(noRule.stderr)")
        let after = try repo.objectListing(repo.path("repo")).filter { !$0.key.hasPrefix("locks/") }
        #expect(after == before)
    }

    /// --policy applies each subject's `keep` in every repository of the policy it goes to;
    /// subjects without rules, or not in the policy, are left alone.
    @Test func policyRulesApplyPerSubjectAndRepository() throws {
        let repo = try RepositoryScratch()
        let main = repo.path("repo"), copy = repo.path("copy")
        #expect(try repo.kura(arguments: ["init", "--kdf-iterations", "1", "--kdf-memory", "8"],
                              environment: ["KURA_REPOSITORY": copy]).status == 0)
        try repo.scratch.write("kura.toml", """
            [repository.main]
            location = "\(main)"
            password-file = "\(repo.path("password"))"

            [repository.copy]
            location = "\(copy)"
            password-file = "\(repo.path("password"))"

            [subject.a]
            paths = ["\(repo.path("a"))"]
            repositories = ["main", "copy"]
            keep = { last = 1 }

            [subject.b]
            paths = ["\(repo.path("b"))"]
            repositories = ["main"]
            keep = { daily = 3, within = "1h" }

            [subject.n]
            paths = ["\(repo.path("n"))"]
            repositories = ["main"]
            """)
        for (index, time) in ["2025-05-01T10:00:00Z", "2025-05-02T10:00:00Z", "2025-05-02T12:00:00Z"].enumerated() {
            for subject in ["a", "b", "n", "c"] {
                try repo.scratch.write("\(subject)/file", "\(subject) \(index)\n")
                #expect(try repo.backup(subject, repo.path(subject), at: time).status == 0)
            }
            #expect(try repo.kura(arguments: ["backup", "--subject", "a", repo.path("a")],
                                  environment: ["KURA_REPOSITORY": copy, "KURA_TEST_NOW": time]).status == 0)
        }
        let env = ["KURA_CONFIG": repo.path("kura.toml"), "KURA_REPOSITORY": "", "KURA_PASSWORD_FILE": "",
                   "KURA_TEST_NOW": "2025-05-03T00:00:00Z"]
        let unknown = try repo.kura(arguments: ["forget", "--policy", "--subject", "zzz"], environment: env)
        #expect(unknown.status == 2 && unknown.stderr.contains("zzz") && unknown.stderr.contains("kura.toml"), "\(unknown.stderr)")
        #expect(try repo.kura(arguments: ["forget", "--policy", "--keep-last", "1"], environment: env).status == 2)

        // Without --policy, --subject S works in S's primary repository (the policy names two).
        let primary = try repo.kura(arguments: ["forget", "--subject", "b", "--keep-last", "1", "--dry-run", "--json"], environment: env)
        #expect(primary.status == 0, "\(primary.stderr)")
        #expect((jsonObject(primary)["subjects"] as? [[String: Any]])?.first?["subject"] as? String == "b")

        let result = try repo.kura(arguments: ["forget", "--policy"], environment: env)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.output.contains("repository copy:") && result.output.contains("repository main:"), "\(result.output)")
        #expect(result.output.contains("n: no keep rule"), "\(result.output)")
        let inMain = Set(try repo.generationNames(environment: ["KURA_REPOSITORY": main]).keys)
        #expect(inMain == ["a@3", "b@1", "b@3", "n@1", "n@2", "n@3", "c@1", "c@2", "c@3"], "\(inMain.sorted())")
        let inCopy = Set(try repo.generationNames(environment: ["KURA_REPOSITORY": copy]).keys)
        #expect(inCopy == ["a@3"], "\(inCopy.sorted())")
    }
}
