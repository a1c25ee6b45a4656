import Foundation
import Testing

/// Keys and roles through the real binary: each role against each command, key management,
/// expiry, forged slots, and that no password ever reaches any output.
@Suite struct KeyRoleTests {
    static let canary = "CANARY-pw-7f3e9a"

    /// A repository with a generation made by the admin, and one key of every other role
    /// (passwords in files `backup.pw`, `restore.pw`, `auditor.pw`).
    static func repositoryWithRoles() throws -> RepositoryScratch {
        let repo = try RepositoryScratch()
        try repo.scratch.write("data/file.txt", "contents\n")
        #expect(try repo.kura("backup", "--subject", "s", repo.path("data")).status == 0)
        for role in ["backup", "restore", "auditor"] {
            try repo.scratch.write("\(role).pw", "\(canary)-\(role)\n")
            let added = try add(repo, role: role, passwordFile: repo.path("\(role).pw"))
            #expect(added.status == 0, "\(added.stderr)")
        }
        return repo
    }

    @discardableResult
    static func add(_ repo: RepositoryScratch, role: String, passwordFile: String, extra: [String] = [],
                    as environment: [String: String] = [:]) throws -> CommandResult {
        try repo.kura(arguments: ["key", "add", "--role", role, "--name", "\(role)-key", "--new-password-file", passwordFile,
                                  "--kdf-iterations", "1", "--kdf-memory", "8"] + extra, environment: environment)
    }

    static func run(_ repo: RepositoryScratch, as role: String, _ arguments: [String],
                    environment: [String: String] = [:]) throws -> CommandResult {
        let password = role == "admin" ? repo.path("password") : repo.path("\(role).pw")
        // A backup key caches trees on the host: keep that in the scratch folder.
        let base = ["KURA_PASSWORD_FILE": password, "XDG_CACHE_HOME": repo.path("cache")]
        return try repo.kura(arguments: arguments, environment: base.merging(environment) { $1 })
    }

    static func keys(_ repo: RepositoryScratch) throws -> [[String: Any]] {
        try repo.kura("key", "list", "--json").output.split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    static func keyID(_ repo: RepositoryScratch, role: String) throws -> String {
        try keys(repo).first { $0["role"] as? String == role }?["id"] as? String ?? ""
    }

    /// Every command a role may run succeeds; every one it may not fails with exit 15 and a
    /// message naming its role.
    @Test(arguments: ["backup", "restore", "auditor"])
    func roleAgainstCommands(role: String) throws {
        let repo = try Self.repositoryWithRoles()
        let reads = role == "restore", writes = role == "backup"
        let commands: [(arguments: [String], allowed: Bool)] = [
            (["generations"], true),
            (["status"], true),
            (["audit", "log"], true),
            (["audit", "verify"], true),
            (["key", "list"], true),
            (["backup", "--subject", "s", repo.path("data")], writes),
            (["restore", "s@1", "--target", repo.path("out-\(role)")], reads),
            (["ls", "s@1"], reads),
            (["diff", "s@1", "s@1"], reads),
            (["check"], reads),
            (["check", "--read-data"], reads),
            (["drill", "s", "--scratch", repo.path("scratch")], reads),
            (["forget", "--subject", "s", "--keep-last", "5"], false),
            (["prune"], false),
            (["key", "add", "--role", "auditor", "--new-password-file", repo.path("auditor.pw"),
              "--kdf-iterations", "1", "--kdf-memory", "8"], false),
            (["key", "remove", try Self.keyID(repo, role: "auditor")], false),
            (["key", "rotate"], false),
            (["key", "rotate", "--reencrypt"], false),
        ]
        try FileManager.default.createDirectory(atPath: repo.path("scratch"), withIntermediateDirectories: true)
        for (arguments, allowed) in commands {
            let result = try Self.run(repo, as: role, arguments)
            let shown = arguments.joined(separator: " ")
            if allowed {
                #expect(result.status == 0, "\(role): kura \(shown) failed: \(result.stderr)")
            } else {
                #expect(result.status == 15, "\(role): kura \(shown) exited \(result.status): \(result.stderr)")
                #expect(result.stderr.contains("\(role) key"), "\(role): kura \(shown): \(result.stderr)")
            }
            #expect(!result.output.contains(Self.canary) && !result.stderr.contains(Self.canary))
        }
        let log = try repo.kura("audit", "verify")
        #expect(log.status == 0, "\(log.stderr)")
    }

    @Test func backupKeyCannotReadButBacksUpAndDeduplicates() throws {
        let repo = try Self.repositoryWithRoles()
        try repo.writeRandom("data/big.bin", size: 300_000, seed: 7)
        let cache = ["XDG_CACHE_HOME": repo.path("cache")]
        let backup = ["backup", "--subject", "s", repo.path("data")]
        // The admin made s@1; the backup key cannot read its tree, so it reads everything.
        let first = try Self.run(repo, as: "backup", backup, environment: cache)
        #expect(first.status == 0 && first.output.contains("293.0 KiB read"), "\(first.output) \(first.stderr)")
        // Its own last backup's trees are cached on this host: unchanged files are not read again.
        let second = try Self.run(repo, as: "backup", backup, environment: cache)
        #expect(second.status == 0 && second.output.contains("(0 B read"), "\(second.output) \(second.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: repo.path("cache/kura/trees"))
        #expect(files.count == 1)
        let mode = try FileManager.default.attributesOfItem(atPath: repo.path("cache/kura/trees/\(files[0])"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
        // Without the cache it reads every file again, but stores nothing twice.
        try FileManager.default.removeItem(atPath: repo.path("cache"))
        let third = try Self.run(repo, as: "backup", backup, environment: cache)
        #expect(third.status == 0 && third.output.contains("293.0 KiB read"), "\(third.output)")
        #expect(!third.output.contains("KiB new") && !third.output.contains("MiB new"), "\(third.output)")
        let restore = try Self.run(repo, as: "restore", ["restore", "s@4", "--target", repo.path("out")])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(try repo.scratch.read("out" + repo.path("data/big.bin")) == repo.scratch.read("data/big.bin"))
        let readBack = try Self.run(repo, as: "backup", ["restore", "s@3", "--target", repo.path("out2")])
        // What the cached trees let it reuse is what was there.
        #expect(try Self.run(repo, as: "restore", ["diff", "s@3", "s@4"]).output.contains("0 added, 0 removed, 0 changed"))
        #expect(readBack.status == 15 && readBack.stderr.contains("cannot read file contents"), "\(readBack.stderr)")
        #expect(!repo.scratch.exists("out2"))
    }

    @Test func listShowsRolesCreatorsExpiryAndLastUse() throws {
        let repo = try Self.repositoryWithRoles()
        try repo.scratch.write("ops.pw", "ops password\n")
        #expect(try Self.add(repo, role: "admin", passwordFile: repo.path("ops.pw"), extra: ["--expires", "2031-06-30"]).status == 0)
        #expect(try Self.run(repo, as: "restore", ["restore", "s@1", "--target", repo.path("out")]).status == 0)
        let keys = try Self.keys(repo)
        #expect(keys.map { $0["role"] as? String } == ["admin", "backup", "restore", "auditor", "admin"])
        let first = keys[0]["id"] as? String
        #expect(keys.dropFirst().allSatisfy { $0["createdBy"] as? String == first && $0["trusted"] as? Bool == true })
        #expect(keys[4]["expires"] as? String == "2031-06-30T00:00:00.000000000Z")
        #expect(keys[2]["lastUsed"] is String && keys[1]["lastUsed"] is NSNull)
        let text = try repo.kura("key", "list")
        #expect(text.status == 0 && text.output.contains("auditor-key") && text.output.contains("2031-06-30"), "\(text.output)")
        let log = try repo.kura("audit", "log").output
        #expect(log.components(separatedBy: "key-add").count - 1 == 4, "\(log)")
    }

    @Test func lastAdminIsNeverRemovedAndRemovalIsLogged() throws {
        let repo = try Self.repositoryWithRoles()
        let admin = try Self.keyID(repo, role: "admin")
        let refused = try repo.kura("key", "remove", String(admin.prefix(6)))
        #expect(refused.status == 15 && refused.stderr.contains("last admin key"), "\(refused.stderr)")
        let backup = try Self.keyID(repo, role: "backup")
        let removed = try repo.kura("key", "remove", String(backup.prefix(8)))
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(try Self.keys(repo).count == 3)
        let opened = try Self.run(repo, as: "backup", ["generations"])
        #expect(opened.status == 12, "\(opened.stderr)")
        #expect(try repo.kura("audit", "log").output.contains("key-remove"))
        #expect(try repo.kura("audit", "verify").status == 0)
        #expect(try repo.kura("key", "remove", "zz").status == 2)
        #expect(try repo.kura("key", "remove", String(backup.prefix(8))).status == 2)
        // With a second admin, the first may go; the second then cannot.
        try repo.scratch.write("second.pw", "second admin\n")
        #expect(try Self.add(repo, role: "admin", passwordFile: repo.path("second.pw")).status == 0)
        #expect(try repo.kura("key", "remove", admin).status == 0)
        let asSecond = ["KURA_PASSWORD_FILE": repo.path("second.pw")]
        let list = try repo.kura(arguments: ["key", "list", "--json"], environment: asSecond)
        let secondID = list.output.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.first { $0["role"] as? String == "admin" }?["id"] as? String ?? "none"
        let last = try repo.kura(arguments: ["key", "remove", secondID], environment: asSecond)
        #expect(last.status == 15, "\(last.stderr)")
        #expect(try repo.kura(arguments: ["generations"], environment: asSecond).status == 0)
    }

    @Test func passwdRewrapsOnlyTheCallersSlot() throws {
        let repo = try Self.repositoryWithRoles()
        try repo.scratch.write("new.pw", "\(Self.canary)-new\n")
        let changed = try Self.run(repo, as: "restore", ["key", "passwd", "--new-password-file", repo.path("new.pw"),
                                                          "--kdf-iterations", "1", "--kdf-memory", "8"])
        #expect(changed.status == 0, "\(changed.stderr)")
        #expect(try Self.run(repo, as: "restore", ["generations"]).status == 12)
        let withNew = try repo.kura(arguments: ["restore", "s@1", "--target", repo.path("out")],
                                    environment: ["KURA_PASSWORD_FILE": repo.path("new.pw")])
        #expect(withNew.status == 0, "\(withNew.stderr)")
        #expect(try repo.kura("generations").status == 0)
        let log = try repo.kura("audit", "log", "--json").output
        #expect(log.contains("\"key-passwd\""))
        for result in [changed, withNew] {
            #expect(!result.output.contains(Self.canary) && !result.stderr.contains(Self.canary))
        }
        #expect(try repo.kura("audit", "verify").status == 0)
    }

    @Test func expiredKeyIsRefusedWithItsDate() throws {
        let repo = try Self.repositoryWithRoles()
        try repo.scratch.write("temp.pw", "temporary\n")
        #expect(try Self.add(repo, role: "restore", passwordFile: repo.path("temp.pw"), extra: ["--expires", "2030-01-01"]).status == 0)
        let temp = ["KURA_PASSWORD_FILE": repo.path("temp.pw")]
        #expect(try repo.kura(arguments: ["generations"], environment: temp.merging(["KURA_TEST_NOW": "2029-12-31T23:00:00Z"]) { $1 }).status == 0)
        let late = try repo.kura(arguments: ["generations"], environment: temp.merging(["KURA_TEST_NOW": "2030-01-02T00:00:00Z"]) { $1 })
        #expect(late.status == 12)
        #expect(late.stderr.contains("expired at 2030-01-01") && late.stderr.contains("kura key add"), "\(late.stderr)")
        let past = try Self.add(repo, role: "backup", passwordFile: repo.path("temp.pw"), extra: ["--expires", "2001-01-01"])
        #expect(past.status == 2)
        #expect(try Self.add(repo, role: "backup", passwordFile: repo.path("temp.pw"), extra: ["--expires", "soon"]).status == 2)
        #expect(try Self.add(repo, role: "superuser", passwordFile: repo.path("temp.pw")).status == 2)
    }

    static func slotPath(_ repo: RepositoryScratch, _ id: String) -> String { repo.path("repo/keys/\(id)") }

    static func editSlot(_ repo: RepositoryScratch, _ id: String, _ change: (inout [String: Any]) -> Void) throws {
        let path = slotPath(repo, id)
        _ = try repo.shell("chmod u+w '\(path)' '\(repo.path("repo/keys"))'")
        var slot = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any] ?? [:]
        change(&slot)
        try JSONSerialization.data(withJSONObject: slot, options: [.sortedKeys]).write(to: URL(fileURLWithPath: path))
    }

    @Test func slotWithEditedRoleIsNotTrusted() throws {
        let repo = try Self.repositoryWithRoles()
        let backup = try Self.keyID(repo, role: "backup")
        try Self.editSlot(repo, backup) { $0["role"] = "admin" }
        let opened = try Self.run(repo, as: "backup", ["key", "add", "--role", "admin", "--new-password-file", repo.path("backup.pw")])
        #expect(opened.status == 12, "\(opened.stderr)")
        let list = try Self.keys(repo)
        #expect(list.first { $0["id"] as? String == backup }?["trusted"] as? Bool == false)
        #expect(try repo.kura("key", "list").output.contains("UNTRUSTED"))
        // A slot with unreadable fields locks nobody else out.
        try Self.editSlot(repo, try Self.keyID(repo, role: "auditor")) { $0["nonce"] = "not base64!" }
        #expect(try repo.kura("generations").status == 0)
        #expect(try Self.run(repo, as: "restore", ["generations"]).status == 0)
        #expect(try Self.run(repo, as: "auditor", ["generations"]).status == 13)
    }

    @Test func slotWithoutAdminCertificationSignsNothing() throws {
        let repo = try Self.repositoryWithRoles()
        #expect(try Self.run(repo, as: "backup", ["backup", "--subject", "s", repo.path("data")]).status == 0)
        let backup = try Self.keyID(repo, role: "backup")
        // The slot's certificate replaced by the restore key's own signature would need its
        // secret; dropping it is what a forger writing to storage can do.
        try Self.editSlot(repo, backup) { $0.removeValue(forKey: "certificate") }
        let refused = try Self.run(repo, as: "backup", ["generations"])
        #expect(refused.status == 12 && refused.stderr.contains("not certified"), "\(refused.stderr)")
        // The generation it signed is no longer accepted by anyone.
        let generations = try repo.kura("generations")
        #expect(!generations.output.contains("s@2"), "\(generations.output)")
        // The `generation` entry it signed is reported, not accepted.
        let verify = try repo.kura("audit", "verify")
        #expect(verify.status == 3 && verify.stderr.contains("not certified by an admin key"), "\(verify.stderr)")
        // A slot certified by a restore key (not an admin) is not trusted either.
        let restore = try Self.keyID(repo, role: "restore")
        try Self.editSlot(repo, try Self.keyID(repo, role: "auditor")) { $0["createdBy"] = restore }
        #expect(try Self.run(repo, as: "auditor", ["generations"]).status == 12)
        // Audit entries signed by a key whose slot lost its certification are reported.
        #expect(try Self.run(repo, as: "restore", ["restore", "s@1", "--target", repo.path("out")]).status == 0)
        try Self.editSlot(repo, restore) { $0["name"] = "renamed" }
        let forged = try repo.kura("audit", "verify")
        #expect(forged.status == 3 && forged.stderr.contains("not certified by an admin key"), "\(forged.stderr)")
    }

    @Test func generationsSignedByARestoreKeyAreNotAccepted() throws {
        let repo = try Self.repositoryWithRoles()
        // A restore key cannot back up through kura; a record it signs some other way must still be
        // refused by readers. Copying another generation record under its name is not possible, so
        // check the rule itself: only admin and backup writers appear.
        #expect(try Self.run(repo, as: "backup", ["backup", "--subject", "t", repo.path("data")]).status == 0)
        let listed = try Self.run(repo, as: "auditor", ["generations"]).output
        #expect(listed.contains("s@1") && listed.contains("t@1"), "\(listed)")
    }

    @Test func canaryPasswordNeverAppears() throws {
        let repo = try Self.repositoryWithRoles()
        try repo.scratch.write("wrong.pw", "\(Self.canary)-wrong\n")
        var results: [CommandResult] = []
        results.append(try repo.kura(arguments: ["generations"], environment: ["KURA_PASSWORD_FILE": repo.path("wrong.pw")]))
        results.append(try Self.add(repo, role: "backup", passwordFile: repo.path("missing.pw")))
        results.append(try Self.run(repo, as: "auditor", ["restore", "s@1", "--target", repo.path("x")]))
        results.append(try repo.kura("key", "list", "--json"))
        results.append(try repo.kura("audit", "log", "--json"))
        results.append(try repo.kura("key", "rotate", "--reencrypt"))
        results.append(try Self.run(repo, as: "auditor", ["key", "rotate"]))
        results.append(try Self.run(repo, as: "auditor", ["access-review", "--json"]))
        results.append(try Self.run(repo, as: "restore", ["erase", "--subject", "s", "--yes"]))
        results.append(try Self.run(repo, as: "backup", ["backup", "--subject", "s", repo.path("data")]))
        for file in try FileManager.default.subpathsOfDirectory(atPath: repo.path("repo")) {
            let data = (try? Data(contentsOf: URL(fileURLWithPath: repo.path("repo/\(file)")))) ?? Data()
            #expect(data.range(of: Data(Self.canary.utf8)) == nil, "\(file)")
        }
        #expect(results[0].status == 12)
        #expect(results[5].status == 0 && results[6].status == 15 && results[8].status == 15 && results[9].status == 0,
                "\(results[5...].map(\.stderr))")
        for result in results {
            #expect(!result.output.contains(Self.canary) && !result.stderr.contains(Self.canary))
        }
        let mode = try FileManager.default.attributesOfItem(atPath: Self.slotPath(repo, try Self.keyID(repo, role: "auditor")))[.posixPermissions] as? Int
        #expect(mode.map { $0 & 0o077 == 0 } ?? false, "slot mode \(String(mode ?? 0, radix: 8))")
    }
    /// `kura run` with a write-only key backs up and skips what its role cannot do.
    @Test func policyRunWithABackupKeySkipsRetentionAndDrills() throws {
        let repo = try Self.repositoryWithRoles()
        let policy = """
            [repository.main]
            location = "\(repo.path("repo"))"
            password-file = "\(repo.path("backup.pw"))"

            [subject.data]
            paths = ["\(repo.path("data"))"]
            rpo = "1d"
            repositories = ["main"]
            keep = { last = 1 }
            drill = { every = "1d", sample = "100%" }
            """
        try repo.scratch.write("kura.toml", policy)
        var log = ""
        for day in ["2030-03-01T03:00:00Z", "2030-03-03T03:00:00Z"] {
            let result = try repo.kura(arguments: ["run"], environment: ["KURA_TEST_NOW": day, "KURA_CONFIG": repo.path("kura.toml"),
                                                                         "KURA_REPOSITORY": "", "KURA_PASSWORD_FILE": "",
                                                                         "XDG_CACHE_HOME": repo.path("cache")])
            #expect(result.status == 0, "\(result.output) \(result.stderr)")
            log += result.output + result.stderr
        }
        #expect(log.contains("retention in main skipped: a backup key cannot forget"), "\(log)")
        #expect(log.contains("drill in main skipped: a backup key cannot restore"), "\(log)")
        let listed = try repo.kura("generations")
        #expect(listed.output.contains("data@2") && listed.output.contains("s@1"), "\(listed.output)")
    }
    /// A repository made before roles (Vectors/repository-v1, a layout-1 admin slot) gets keys
    /// of every role; they work, and what the old admin and the new keys sign verifies.
    @Test func layoutOneRepositoryTakesNewKeys() throws {
        let scratch = try Scratch()
        #expect(try scratch.shell("cp -r '\(FormatVectorTests.vector)' repo && chmod -R u+w repo").status == 0)
        try scratch.write("pw", "kura vector password\n")
        try scratch.write("backup.pw", "vector backup\n")
        try scratch.write("restore.pw", "vector restore\n")
        try scratch.write("data/new.txt", "new file\n")
        let admin = ["KURA_REPOSITORY": scratch.path("repo"), "KURA_PASSWORD_FILE": scratch.path("pw"),
                     "XDG_CACHE_HOME": scratch.path("cache")]
        func kura(_ arguments: [String], as password: String = "pw") throws -> CommandResult {
            try scratch.run(Tools.kura, arguments, environment: admin.merging(["KURA_PASSWORD_FILE": scratch.path(password)]) { $1 })
        }
        for role in ["backup", "restore"] {
            let added = try kura(["key", "add", "--role", role, "--new-password-file", scratch.path("\(role).pw"),
                                  "--kdf-iterations", "1", "--kdf-memory", "8"])
            #expect(added.status == 0, "\(added.stderr)")
        }
        let backup = try kura(["backup", "--subject", "fresh", scratch.path("data")], as: "backup.pw")
        #expect(backup.status == 0, "\(backup.stderr)")
        let listed = try kura(["generations"], as: "restore.pw").output
        #expect(listed.contains("vector@1") && listed.contains("fresh@1"), "\(listed)")
        #expect(try kura(["restore", "fresh@1", "--target", scratch.path("out")], as: "restore.pw").status == 0)
        #expect(try kura(["check", "--read-data"]).status == 0)
        let verify = try kura(["audit", "verify"], as: "restore.pw")
        #expect(verify.status == 0, "\(verify.stderr)")
        let keys = try kura(["key", "list", "--json"]).output
        #expect(!keys.contains("\"trusted\":false"), "\(keys)")
    }
}
