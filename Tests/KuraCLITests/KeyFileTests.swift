import Foundation
import Testing

/// Key files through the real binary: made by `init` and `key add`, used by flag, environment
/// and policy, and refused when loose, edited, foreign or removed.
@Suite struct KeyFileTests {
    /// A repository with a generation, made by the admin's password, and a backup key file.
    static func repositoryWithBackupKeyFile() throws -> RepositoryScratch {
        let repo = try RepositoryScratch()
        try repo.scratch.write("data/file.txt", "contents\n")
        #expect(try repo.kura("backup", "--subject", "s", repo.path("data")).status == 0)
        let added = try repo.kura("key", "add", "--role", "backup", "--name", "cron", "--key-file", repo.path("cron.key"))
        #expect(added.status == 0, "\(added.stderr)")
        return repo
    }

    /// Runs kura with only the key file (no password anywhere in the environment).
    static func withKeyFile(_ repo: RepositoryScratch, _ path: String, _ arguments: [String],
                            flag: Bool = true) throws -> CommandResult {
        let environment = ["KURA_PASSWORD_FILE": "", "XDG_CACHE_HOME": repo.path("cache")]
            .merging(flag ? [:] : ["KURA_KEY_FILE": path]) { $1 }
        return try repo.kura(arguments: arguments + (flag ? ["--key-file", path] : []), environment: environment)
    }

    static func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }

    @Test func initWithAKeyFileNeedsNoPassword() throws {
        let scratch = try Scratch()
        try scratch.write("data/a.txt", "alpha\n")
        let environment = ["KURA_REPOSITORY": scratch.path("repo"), "KURA_PASSWORD_FILE": "",
                           "XDG_CACHE_HOME": scratch.path("cache")]
        let created = try scratch.run(Tools.kura, ["init", "--key-file", scratch.path("admin.key")], environment: environment)
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.output.contains("admin.key"))
        #expect(try Self.mode(scratch.path("admin.key")) == 0o600)
        let text = String(decoding: try scratch.read("admin.key"), as: UTF8.self)
        #expect(text.split(separator: "\n").filter { $0.hasPrefix("kura-key-file-v1 ") }.count == 1)

        let keyed = environment.merging(["KURA_KEY_FILE": scratch.path("admin.key")]) { $1 }
        #expect(try scratch.run(Tools.kura, ["backup", "--subject", "s", scratch.path("data")], environment: keyed).status == 0)
        let restored = try scratch.run(Tools.kura, ["restore", "s@latest", "--target", scratch.path("out")], environment: keyed)
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(try scratch.read("out" + scratch.path("data/a.txt")) == Data("alpha\n".utf8))
        let keys = try scratch.run(Tools.kura, ["key", "list", "--json"], environment: keyed)
        #expect(keys.output.contains("\"opensWith\":\"key-file\""), "\(keys.output)")
        // The key file's key is an admin key: it can add a password key for a person.
        try scratch.write("alice.pw", "alice password\n")
        let added = try scratch.run(Tools.kura, ["key", "add", "--role", "restore", "--name", "alice",
                                                 "--new-password-file", scratch.path("alice.pw"),
                                                 "--kdf-iterations", "1", "--kdf-memory", "8"], environment: keyed)
        #expect(added.status == 0, "\(added.stderr)")
    }

    @Test func aBackupKeyFileBacksUpByFlagEnvironmentAndPolicy() throws {
        let repo = try Self.repositoryWithBackupKeyFile()
        let key = repo.path("cron.key")
        #expect(try Self.mode(key) == 0o600)
        #expect(try Self.withKeyFile(repo, key, ["backup", "--subject", "s", repo.path("data")]).status == 0)
        #expect(try Self.withKeyFile(repo, key, ["backup", "--subject", "s", repo.path("data")], flag: false).status == 0)
        try repo.scratch.write("kura.toml", """
            [repository.main]
            location = "\(repo.path("repo"))"
            key-file = "\(key)"

            [subject.s]
            paths = ["\(repo.path("data"))"]
            rpo = "1h"
            repositories = ["main"]
            """)
        let run = try repo.kura(arguments: ["run"], environment: PolicyRunTests.at("2030-01-01T00:00:00Z", repo.path("kura.toml"))
            .merging(["XDG_CACHE_HOME": repo.path("cache")]) { $1 })
        #expect(run.status == 0, "\(run.stderr)\(run.output)")
        #expect(try repo.kura("generations").output.split(separator: "\n").filter { $0.contains("s@") }.count >= 4)
        // The key file has the backup role's limits.
        let restore = try Self.withKeyFile(repo, key, ["restore", "s@latest", "--target", repo.path("out")])
        #expect(restore.status == 15, "\(restore.stderr)")
        let list = try repo.kura("key", "list")
        #expect(list.output.contains("key file"), "\(list.output)")
    }

    @Test func aKeyFileOthersCanReadIsRefused() throws {
        let repo = try Self.repositoryWithBackupKeyFile()
        let key = repo.path("cron.key")
        #expect(chmod(key, 0o644) == 0)
        let refused = try Self.withKeyFile(repo, key, ["generations"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("chmod 600"), "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1)
    }

    @Test func anEditedOrMalformedKeyFileIsRefused() throws {
        let repo = try Self.repositoryWithBackupKeyFile()
        let key = repo.path("cron.key")
        let text = String(decoding: try repo.scratch.read("cron.key"), as: UTF8.self)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("kura-key-file-v1 ") })
        var fields = line.split(separator: " ").map(String.init)
        // Another valid secret of the same size: the slot does not open.
        let flipped = Data(base64Encoded: fields[3]).map { Data($0.map { $0 ^ 1 }) }
        fields[3] = try #require(flipped).base64EncodedString()
        for (contents, status) in [(fields.joined(separator: " ") + "\n", Int32(12)),
                                   ("kura-key-file-v1 not-hex\n", 14),
                                   ("# only a comment\n", 14)] {
            try repo.scratch.write("cron.key", contents)
            #expect(chmod(key, 0o600) == 0)
            let refused = try Self.withKeyFile(repo, key, ["generations"])
            #expect(refused.status == status, "\(contents): \(refused.stderr)")
            #expect(refused.stderr.contains("cron.key"), "\(refused.stderr)")
            #expect(!refused.stderr.contains("Fatal error"))
        }
    }

    @Test func aKeyFileForAnotherRepositoryOrARemovedKeyIsRefused() throws {
        let repo = try Self.repositoryWithBackupKeyFile()
        let other = try RepositoryScratch()
        let foreign = try repo.kura(arguments: ["generations", "--key-file", repo.path("cron.key")],
                                    environment: ["KURA_PASSWORD_FILE": "", "KURA_REPOSITORY": other.path("repo")])
        #expect(foreign.status == 12, "\(foreign.stderr)")
        #expect(foreign.stderr.contains("not of this one"), "\(foreign.stderr)")

        let id = try #require(try KeyRoleTests.keys(repo).first { $0["role"] as? String == "backup" }?["id"] as? String)
        #expect(try repo.kura("key", "remove", id).status == 0)
        let removed = try Self.withKeyFile(repo, repo.path("cron.key"), ["generations"])
        #expect(removed.status == 12, "\(removed.stderr)")
        #expect(removed.stderr.contains(String(id.prefix(8))), "\(removed.stderr)")
    }

    @Test func keyFileMisuseIsAUsageError() throws {
        let repo = try Self.repositoryWithBackupKeyFile()
        // The path is taken: nothing is overwritten.
        let before = try repo.scratch.read("cron.key")
        // The admin's password given as a flag next to the new key's file.
        let flags = try repo.kura("key", "add", "--role", "backup", "--password-file", repo.path("password"),
                                  "--key-file", repo.path("second.key"))
        #expect(flags.status == 0, "\(flags.stderr)")
        let again = try repo.kura("key", "add", "--role", "backup", "--key-file", repo.path("cron.key"))
        #expect(again.status == 2, "\(again.stderr)")
        #expect(try repo.scratch.read("cron.key") == before)
        // A key file has no password to change.
        let passwd = try Self.withKeyFile(repo, repo.path("cron.key"), ["key", "passwd"])
        #expect(passwd.status != 0 && passwd.status != 12, "\(passwd.stderr)")
        #expect(passwd.stderr.contains("key file"), "\(passwd.stderr)")
        // A key file together with a password is ambiguous.
        let both = try repo.kura("generations", "--key-file", repo.path("cron.key"), "--password-file", repo.path("password"))
        #expect(both.status == 2, "\(both.stderr)")
        let missing = try Self.withKeyFile(repo, repo.path("nothing.key"), ["generations"])
        #expect(missing.status == 1, "\(missing.stderr)")
        #expect(missing.stderr.contains("nothing.key"))
    }
}
