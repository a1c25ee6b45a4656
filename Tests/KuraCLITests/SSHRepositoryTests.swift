import Foundation
import KuraStorage
import KuraTestSupport
import Testing

/// The real kura binary on ssh:// repositories: a real sshd on 127.0.0.1 whose authorized_keys
/// run the built kura as `kura serve --stdio` in forced commands, as an admin sets them up.
@Suite struct SSHRepositoryTests {
    /// One backup host's setup: its append-only key, the admin's key, both held to `base`.
    struct Host {
        let server: OpenSSHServer
        let base: String
        /// The repository folder on the server.
        let folder: String
        /// KURA_SSH values: the backed-up host's key (append-only) and the admin's.
        let backupKey: String
        let adminKey: String

        var url: String { server.url(folder) }

        init() throws {
            server = try OpenSSHServer()
            base = FileManager.default.temporaryDirectory.appendingPathComponent("kura-ssh-\(UUID().uuidString)").path
            folder = base + "/host1"
            try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
            backupKey = try server.authorize(options: "command=\"\(Tools.kura) serve --stdio --append-only --restrict-to \(base)\",restrict")
            adminKey = try server.authorize(options: "command=\"\(Tools.kura) serve --stdio --restrict-to \(base)\",restrict")
        }

        /// A fresh repository in `folder`, made with the admin's key.
        func repository() throws -> RepositoryScratch {
            try RepositoryScratch(repository: url, environment: ["KURA_SSH": adminKey])
        }

        func remove() { try? FileManager.default.removeItem(atPath: base) }
    }

    @Test func everythingThatWorksLocallyWorksOverSSH() throws {
        let host = try Host()
        defer { host.remove() }
        let repo = try host.repository()
        #expect(FileManager.default.fileExists(atPath: host.folder + "/config/config"))
        let root = try BackupRestoreTests.makeTree(repo)
        try repo.writeRandom("source/big.bin", size: 12_000_000, seed: 7)
        let backup = try repo.kura("backup", "--subject", "docs", root)
        #expect(backup.status == 0, "\(backup.stderr)")
        try repo.writeRandom("source/docs/added.bin", size: 300_000, seed: 8)
        #expect(try repo.kura("backup", "--subject", "docs", root).status == 0)
        #expect(try repo.kura("generations").output.contains("docs@2"))

        let restore = try repo.kura("restore", "docs@latest", "--target", repo.path("restored"), "--verify")
        #expect(restore.status == 0, "\(restore.stderr)")
        let original = try TreeSnapshot.take(root)
        let restored = try TreeSnapshot.take(repo.path("restored") + root)
        #expect(original == restored, "\(TreeSnapshot.differences(original, restored))")
        let check = try repo.kura("check", "--read-data")
        #expect(check.status == 0, "\(check.output) \(check.stderr)")

        let forget = try repo.kura("forget", "--subject", "docs", "--keep-last", "1", "--prune", "--max-unused", "0%")
        #expect(forget.status == 0, "\(forget.output) \(forget.stderr)")
        #expect(!(try repo.kura("generations").output.contains("docs@1 ")))
        #expect(try repo.kura("check", "--read-data").status == 0)
        #expect(try repo.kura("unlock").output.contains("0 live lock(s)"))
        // No ssh and no kura serve is left behind by any of these commands.
        #expect(!(try repo.shell("pgrep -f '^[^ ]*ssh -F \(host.server.directory)' || true").output.contains(where: \.isNumber)))
        #expect(!(try repo.shell("pgrep -f '^[^ ]*kura serve --stdio --restrict-to \(host.base)' || true").output.contains(where: \.isNumber)))
    }

    /// The folder is a local repository on the server: copy works both ways.
    @Test func copyBetweenLocalAndSSH() throws {
        let host = try Host()
        defer { host.remove() }
        let remote = try host.repository()
        let local = try RepositoryScratch(environment: ["KURA_SSH": host.adminKey])
        try local.scratch.write("tree/a.txt", "alpha\n")
        #expect(try local.kura("backup", "--subject", "a", local.path("tree")).status == 0)
        let password = local.path("password")
        let toSSH = try local.kura(arguments: ["copy", "--from", local.path("repo"), "--to", host.url, "--to-password-file", password])
        #expect(toSSH.status == 0, "\(toSSH.stderr)")
        try remote.scratch.write("tree/b.txt", "beta\n")
        #expect(try remote.kura("backup", "--subject", "b", remote.path("tree")).status == 0)
        let back = try remote.kura(arguments: ["copy", "--from", host.url, "--to", local.path("repo"), "--to-password-file", password])
        #expect(back.status == 0, "\(back.stderr)")
        let listed = try local.kura("generations").output
        #expect(listed.contains("a@1") && listed.contains("b@1"), "\(listed)")
        let direct = try remote.kura(arguments: ["generations", "--repo", host.folder])
        #expect(direct.status == 0 && direct.output.contains("a@1"), "\(direct.stderr)")
    }

    /// The backed-up host is compromised and holds its append-only key: through kura and
    /// through the protocol itself, it tries to delete and overwrite every kind of object. All
    /// is refused (exit 15, one line naming append-only and the admin's key), and with the
    /// admin's key every generation still restores.
    @Test func aCompromisedHostCannotDeleteOrOverwrite() async throws {
        let host = try Host()
        defer { host.remove() }
        let repo = try host.repository()
        let asBackupHost = ["KURA_SSH": host.backupKey]
        var expected: [String: [String: String]] = [:]
        for (index, time) in ["2026-03-01T10:00:00Z", "2026-03-02T10:00:00Z", "2026-03-03T10:00:00Z"].enumerated() {
            try repo.scratch.write("tree/file\(index).txt", "version \(index)\n")
            let backup = try repo.kura(arguments: ["backup", "--subject", "web", repo.path("tree")],
                                       environment: asBackupHost.merging(["KURA_TEST_NOW": time]) { $1 })
            #expect(backup.status == 0, "\(backup.stderr)")
            expected["web@\(index + 1)"] = try GenerationContents.of(repo.path("tree"))
        }
        let before = try Self.contents(of: host.folder)

        for attempt in [["forget", "--subject", "web", "--keep-last", "1", "--prune"], ["prune", "--max-unused", "0%"],
                        ["forget", "--subject", "web", "--keep-last", "1"]] {
            let refused = try repo.kura(arguments: attempt, environment: asBackupHost)
            #expect(refused.status == 15, "\(attempt): \(refused.status) \(refused.stderr)")
            #expect(refused.stderr.contains("append-only") && refused.stderr.contains("admin's key"), "\(refused.stderr)")
            #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
        }
        // Refused before writing anything: no audit entry, no index file.
        let unlocked = { (contents: [String: Data]) in Set(contents.keys.filter { !$0.hasPrefix("locks/") }) }
        #expect(unlocked(try Self.contents(of: host.folder)) == unlocked(before))

        // The protocol itself: every object of every kind (a made-up one where the repository
        // has none yet), deleted and replaced.
        let attacker = SSHBackend(address: SSHAddress(user: nil, host: "kura-test", port: nil, path: host.folder),
                                  ssh: SSHCommand(words: host.backupKey.split(separator: " ").map(String.init)))
        let admin = SSHBackend(address: SSHAddress(user: nil, host: "kura-test", port: nil, path: host.folder),
                               ssh: SSHCommand(words: host.adminKey.split(separator: " ").map(String.init)))
        defer {
            attacker.close()
            admin.close()
        }
        let (attackerIsAppendOnly, adminIsAppendOnly) = (try await attacker.isAppendOnly(), try await admin.isAppendOnly())
        #expect(attackerIsAppendOnly && !adminIsAppendOnly)
        var probes: [ObjectName] = []
        var tried = 0
        for kind in ObjectKind.allCases where kind != .locks {
            var objects = try await attacker.list(kind).map(\.name)
            if objects.isEmpty {
                let probe = try ObjectName(kind, "probe")
                try await admin.put(probe, bytes: [7])
                probes.append(probe)
                objects = [probe]
            }
            for name in objects {
                let location = attacker.location
                await #expect(throws: StorageError.appendOnly(name, location: location, action: "delete")) {
                    try await attacker.delete(name)
                }
                await #expect(throws: StorageError.appendOnly(name, location: location, action: "replace")) {
                    try await attacker.put(name, bytes: Array("garbage".utf8))
                }
                tried += 1
            }
        }
        #expect(tried > ObjectKind.allCases.count)
        for probe in probes { try await admin.delete(probe) }

        // Nothing there before is gone or changed.
        let after = try Self.contents(of: host.folder)
        for (path, bytes) in before where !path.hasPrefix("locks/") {
            #expect(after[path] == bytes, "\(path) was deleted or changed")
        }
        // With the admin's key every generation restores and the repository checks clean.
        for (generation, contents) in expected {
            #expect(try repo.restoredContents(generation, source: repo.path("tree")) == contents, "\(generation)")
        }
        let check = try repo.kura("check", "--read-data")
        #expect(check.status == 0, "\(check.output) \(check.stderr)")
        let forget = try repo.kura("forget", "--subject", "web", "--keep-last", "1", "--prune")
        #expect(forget.status == 0, "the admin's key forgets: \(forget.stderr)")
    }

    /// sshd dies in the middle of a backup: one line within a bound, non-zero, no trap; once
    /// it is back the backup completes and check passes.
    @Test func sshdKilledDuringBackup() throws {
        let host = try Host()
        defer { host.remove() }
        let repo = try host.repository()
        for index in 0..<24 { try repo.writeRandom("data/f\(index)", size: 8_000_000, seed: UInt64(index + 1)) }
        let errors = repo.path("backup.stderr")
        let environment = repo.environment.merging(["KURA_SSH": host.backupKey]) { $1 }
        let backup = try repo.scratch.start("/bin/sh", ["-c", "exec \(Tools.kura) backup --subject s \(repo.path("data")) 2>\(errors)"],
                                            environment: environment)
        // Killed once the first pack has arrived on the host: mid-backup, not before it.
        let waited = Date()
        while (try? FileManager.default.subpathsOfDirectory(atPath: host.folder + "/data"))?
                .contains(where: { $0.contains("/") && !$0.contains("/.") }) != true,
              Date().timeIntervalSince(waited) < 60 {
            usleep(20_000)
        }
        let killed = Date()
        host.server.stop(kill: true)
        backup.waitUntilExit()
        let said = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
        #expect(backup.terminationStatus != 0, "the backup claims success with sshd gone")
        #expect(backup.terminationReason == .exit, "no trap: \(said)")
        #expect(Date().timeIntervalSince(killed) < 60)
        #expect(said.contains(host.url) && said.split(separator: "\n").count == 1, "\(said)")
        // ssh's own last words ("Connection to 127.0.0.1 closed by remote host.", "client_loop: send
        // disconnect: Broken pipe"), not kura's bare EPIPE on the pipe to ssh.
        #expect(said.contains("the connection ended: ") && !said.contains("cannot send to it"), "\(said)")

        try host.server.start()
        let retried = try repo.kura(arguments: ["backup", "--subject", "s", repo.path("data")], environment: ["KURA_SSH": host.backupKey])
        #expect(retried.status == 0, "\(retried.stderr)")
        let check = try repo.kura("check", "--read-data")
        #expect(check.status == 0, "\(check.output) \(check.stderr)")
    }

    @Test func restrictToRefusesAnotherPath() throws {
        let host = try Host()
        defer { host.remove() }
        let repo = try host.repository()
        let elsewhere = FileManager.default.temporaryDirectory.appendingPathComponent("kura-ssh-other-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: host.base + "/link", withDestinationPath: elsewhere)
        defer { try? FileManager.default.removeItem(atPath: elsewhere) }
        for path in [elsewhere + "/repo", host.base + "/link/repo"] {
            let refused = try repo.kura(arguments: ["init", "--kdf-iterations", "1", "--kdf-memory", "8", "--repo", host.server.url(path)])
            #expect(refused.status == 15, "\(path): \(refused.status) \(refused.stderr)")
            #expect(refused.stderr.contains("--restrict-to") && refused.stderr.contains(host.base), "\(refused.stderr)")
            #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere).isEmpty)
    }

    /// Without a forced command the client names the far side's kura: `kura` on its PATH, or
    /// KURA_REMOTE_COMMAND; a far side without it says so in one line.
    @Test func theRemoteKuraIsNamedByKURA_REMOTE_COMMAND() throws {
        let host = try Host()
        defer { host.remove() }
        let folder = host.base + "/plain"
        let plain = ["KURA_SSH": host.server.sshCommand, "KURA_REMOTE_COMMAND": Tools.kura]
        let repo = try RepositoryScratch(repository: host.server.url(folder), environment: plain)
        #expect(FileManager.default.fileExists(atPath: folder + "/config/config"))
        try repo.scratch.write("tree/a.txt", "alpha\n")
        #expect(try repo.kura("backup", "--subject", "a", repo.path("tree")).status == 0)
        let missing = try repo.kura(arguments: ["generations"], environment: ["KURA_REMOTE_COMMAND": "/nonexistent/kura"])
        #expect(missing.status == 1 && missing.stderr.contains("/nonexistent/kura"), "\(missing.stderr)")
        #expect(missing.stderr.contains("KURA_REMOTE_COMMAND") && missing.stderr.split(separator: "\n").count == 1, "\(missing.stderr)")
    }

    /// Every file under `folder` by relative path, with its bytes.
    static func contents(of folder: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for relative in try FileManager.default.subpathsOfDirectory(atPath: folder) {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder + "/" + relative, isDirectory: &isFolder), !isFolder.boolValue else { continue }
            result[relative] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + relative))
        }
        return result
    }
}
