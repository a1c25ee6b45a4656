import Foundation
import Testing

/// `kura access-review` through the real binary: flags, exit codes, roles, the audit entry and
/// the JSON document. Time is moved with KURA_TEST_NOW, always forward of `init`.
@Suite struct AccessReviewCommandTests {
    static func at(_ time: String) -> [String: String] { ["KURA_TEST_NOW": time] }

    static func review(_ repo: RepositoryScratch, as role: String = "admin", _ extra: [String] = [],
                       at time: String? = nil) throws -> CommandResult {
        try KeyRoleTests.run(repo, as: role, ["access-review"] + extra, environment: time.map(at) ?? [:])
    }

    static func document(_ result: CommandResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
    }

    /// Finding kinds per key name, from the JSON document.
    static func kinds(_ document: [String: Any]) -> [String: [String]] {
        var kinds: [String: [String]] = [:]
        for key in document["keys"] as? [[String: Any]] ?? [] {
            kinds[key["name"] as? String ?? "?"] = key["findings"] as? [String] ?? []
        }
        return kinds
    }

    static func auditEntries(_ repo: RepositoryScratch) throws -> [[String: Any]] {
        try repo.kura("audit", "log", "--json").output.split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    @Test func aFreshRepositoryIsFlaggedForItsAdminWithoutExpiry() throws {
        let repo = try RepositoryScratch()
        let admin = try KeyRoleTests.keyID(repo, role: "admin")
        let result = try Self.review(repo)
        #expect(result.status == 16, "\(result.stderr)")
        #expect(result.output.contains("admin (1)") && result.output.contains("\(admin.prefix(8))"), "\(result.output)")
        #expect(result.output.contains("FLAG admin-without-expiry: admin key \(admin.prefix(8))"), "\(result.output)")
        #expect(result.output.contains("kura key add --role admin") && result.output.contains("kura key remove \(admin.prefix(8))"))
        #expect(result.output.contains("1 key(s), 1 flag(s), 0 warning(s); recorded as audit entry 2"), "\(result.output)")
        let entries = try Self.auditEntries(repo)
        let last = try #require(entries.last)
        #expect(last["action"] as? String == "access-review" && last["actor"] as? String == admin)
        let details = last["details"] as? [String: String] ?? [:]
        #expect(details["keys"] == "1" && details["flags"] == "1" && details["admin-without-expiry"] == "1")
        #expect(details["flagged"] == String(admin.prefix(8)) && details["stale-days"] == "90")
        #expect(try repo.kura("audit", "log").output.contains("access-review"))
        let verify = try repo.kura("audit", "verify")
        #expect(verify.status == 0, "\(verify.stderr)")
    }

    /// Keys added with and without expiry, used or not, reviewed as the clock moves on.
    @Test func flagsFollowTheClock() throws {
        let repo = try RepositoryScratch()
        try repo.scratch.write("data/file.txt", "contents\n")
        let start = Self.at("2035-01-01T00:00:00Z")
        for (role, expires) in [("backup", "2036-01-01"), ("restore", "2036-01-01"), ("auditor", "2035-02-01")] {
            try repo.scratch.write("\(role).pw", "password of \(role)\n")
            let added = try KeyRoleTests.add(repo, role: role, passwordFile: repo.path("\(role).pw"),
                                             extra: ["--expires", expires], as: start)
            #expect(added.status == 0, "\(added.stderr)")
        }
        // Day 1: only the admin is flagged; the new keys are not used yet.
        let first = try Self.document(Self.review(repo, ["--json"], at: "2035-01-02T00:00:00Z"))
        #expect(Self.kinds(first) == ["admin": ["admin-without-expiry"], "backup-key": ["never-used"],
                                      "restore-key": ["never-used"], "auditor-key": ["never-used"]])
        #expect((first["findings"] as? [[String: Any]])?.map { $0["severity"] as? String } == ["flag", "warning", "warning", "warning"])
        // Day 2: the backup key backs up.
        let backup = try KeyRoleTests.run(repo, as: "backup", ["backup", "--subject", "s", repo.path("data")],
                                          environment: Self.at("2035-01-03T00:00:00Z"))
        #expect(backup.status == 0, "\(backup.stderr)")
        // Day 20, as the auditor: its own key expires within 14 days (a warning); it is in use.
        let asAuditor = try Self.review(repo, as: "auditor", at: "2035-01-20T00:00:00Z")
        #expect(asAuditor.status == 16, "\(asAuditor.stderr)")
        #expect(asAuditor.output.contains("WARN expires-soon: auditor key") && asAuditor.output.contains("(this key)"), "\(asAuditor.output)")
        #expect(!asAuditor.output.contains("never-used: auditor"), "\(asAuditor.output)")
        let auditorID = try KeyRoleTests.keyID(repo, role: "auditor")
        #expect(try Self.auditEntries(repo).last?["actor"] as? String == auditorID)
        // Day 100: the auditor key expired, the restore key was never used, the backup key is stale.
        let late = try Self.review(repo, ["--json"], at: "2035-04-11T00:00:00Z")
        #expect(late.status == 16)
        let lateDocument = try Self.document(late)
        #expect(Self.kinds(lateDocument) == ["admin": ["admin-without-expiry"], "backup-key": ["stale"],
                                             "restore-key": ["never-used"], "auditor-key": ["expired"]])
        #expect((lateDocument["counts"] as? [String: Any])?["flags"] as? Int == 4)
        let lateText = try Self.review(repo, at: "2035-04-11T00:00:00Z").output
        let restoreID = try KeyRoleTests.keyID(repo, role: "restore")
        #expect(lateText.contains("FLAG never-used: restore key \(restoreID.prefix(8)) (restore-key)"), "\(lateText)")
        #expect(lateText.contains("FLAG expired: auditor key \(auditorID.prefix(8)) (auditor-key): expired on 2035-02-01"), "\(lateText)")
        #expect(lateText.contains("kura key remove \(auditorID.prefix(8))"))
        // A longer stale period: the backup key is fine again and the restore key only a warning.
        let lenient = try Self.document(Self.review(repo, ["--json", "--stale-days", "200"], at: "2035-04-11T00:00:00Z"))
        #expect(Self.kinds(lenient)["backup-key"] == [] && Self.kinds(lenient)["restore-key"] == ["never-used"])
        #expect(lenient["stale_days"] as? Int == 200)
        // Every review is in the log, and the log still verifies.
        #expect(try Self.auditEntries(repo).filter { $0["action"] as? String == "access-review" }.count == 5)
        let verify = try repo.kura(arguments: ["audit", "verify"], environment: Self.at("2035-04-12T00:00:00Z"))
        #expect(verify.status == 0, "\(verify.stderr)")
    }

    @Test func nothingFlaggedExitsZeroEvenWithWarnings() throws {
        let repo = try RepositoryScratch()
        let first = try KeyRoleTests.keyID(repo, role: "admin")
        try repo.scratch.write("ops.pw", "ops password\n")
        let later = Self.at("2035-01-01T00:00:00Z")
        #expect(try KeyRoleTests.add(repo, role: "admin", passwordFile: repo.path("ops.pw"), extra: ["--expires", "2035-01-10"],
                                     as: later).status == 0)
        #expect(try repo.kura(arguments: ["key", "remove", first], environment: later).status == 0)
        let result = try repo.kura(arguments: ["access-review"], environment: later.merging(["KURA_PASSWORD_FILE": repo.path("ops.pw")]) { $1 })
        #expect(result.status == 0, "\(result.output) \(result.stderr)")
        #expect(result.output.contains("WARN expires-soon: admin key") && !result.output.contains("FLAG"), "\(result.output)")
    }

    @Test func anUntrustedSlotIsFlagged() throws {
        let repo = try KeyRoleTests.repositoryWithRoles()
        let backup = try KeyRoleTests.keyID(repo, role: "backup")
        try KeyRoleTests.editSlot(repo, backup) { $0["name"] = "renamed" }
        let document = try Self.document(Self.review(repo, ["--json"]))
        #expect(Self.kinds(document)["renamed"] == ["untrusted"])
        let key = (document["keys"] as? [[String: Any]])?.first { $0["id"] as? String == backup }
        #expect(key?["trusted"] as? Bool == false)
    }

    @Test(arguments: ["backup", "restore"])
    func otherRolesAreRefused(role: String) throws {
        let repo = try KeyRoleTests.repositoryWithRoles()
        let before = try Self.auditEntries(repo).count
        let result = try Self.review(repo, as: role)
        #expect(result.status == 15, "\(result.stderr)")
        #expect(result.stderr.contains("\(role) key") && result.output.isEmpty, "\(result.stderr)")
        #expect(try Self.auditEntries(repo).count == before)
        #expect(try Self.review(repo, as: "auditor").status == 16)
    }

    @Test(arguments: [["--stale-days", "-1"], ["--stale-days", "garbage"], ["--stale-days", "0"], ["--stale-days", "1.5"],
                      ["--stale-days", "99999"], ["--expiry-warning-days", "-3"], ["--expiry-warning-days", "soon"]])
    func badThresholdsAreUsageErrors(arguments: [String]) throws {
        let repo = try RepositoryScratch()
        let before = try Self.auditEntries(repo).count
        let result = try Self.review(repo, arguments)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(result.stderr.hasPrefix("kura: ") && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(try Self.auditEntries(repo).count == before)
    }

    @Test func theJSONDocumentNamesItsAuditEntry() throws {
        let repo = try KeyRoleTests.repositoryWithRoles()
        let result = try Self.review(repo, ["--json"])
        #expect(result.status == 16)
        let document = try Self.document(result)
        #expect(Set(document.keys) == ["version", "time", "stale_days", "expiry_warning_days", "flagged", "counts", "keys",
                                       "findings", "audit_entry"])
        #expect(document["version"] as? Int == 1 && document["flagged"] as? Bool == true)
        let keys = try #require(document["keys"] as? [[String: Any]])
        #expect(keys.map { $0["role"] as? String } == ["admin", "backup", "restore", "auditor"])
        #expect(keys.filter { $0["current"] as? Bool == true }.map { $0["role"] as? String } == ["admin"])
        let counts = try #require(document["counts"] as? [String: Any])
        #expect(counts["keys"] as? Int == 4)
        #expect(counts["roles"] as? [String: Int] == ["admin": 1, "backup": 1, "restore": 1, "auditor": 1])
        let entry = try #require(document["audit_entry"] as? [String: Any])
        let head = try repo.kura("audit", "head").output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(head == "\(entry["sequence"] as? Int ?? 0) \(entry["id"] as? String ?? "")")
        let finding = try #require((document["findings"] as? [[String: Any]])?.first)
        #expect(finding["kind"] as? String == "admin-without-expiry" && finding["severity"] as? String == "flag")
        #expect((finding["action"] as? String)?.contains("kura key remove") == true)
    }
}
