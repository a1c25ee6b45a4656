import Foundation
import KuraTestSupport
import Testing

/// The real kura binary on a repository reached over SFTP through a real sshd on 127.0.0.1.
@Suite struct SFTPRepositoryTests {
    /// A repository in a fresh folder of the server, through the `kura-test` alias.
    static func repository(_ server: OpenSSHServer, form: (String) -> String = { "sftp:kura-test:\($0)" })
        throws -> (RepositoryScratch, folder: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kura-sftp-repo-\(UUID().uuidString)").path
        let repo = try RepositoryScratch(repository: form(folder), environment: ["KURA_SSH": server.sshCommand])
        return (repo, folder)
    }

    @Test func everythingThatWorksLocallyWorksOverSFTP() throws {
        let server = try OpenSSHServer()
        let (repo, folder) = try Self.repository(server, form: { "sftp://kura-test\($0)" })
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(FileManager.default.fileExists(atPath: folder + "/config/config"))
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
        // No ssh is left behind by any of these commands.
        #expect(!(try repo.shell("pgrep -f '^[^ ]*ssh -F \(server.directory)' || true").output.contains(where: \.isNumber)))
    }

    /// The same folder is a local repository on the server: copy works both ways.
    @Test func copyBetweenLocalAndSFTP() throws {
        let server = try OpenSSHServer()
        let (remote, folder) = try Self.repository(server)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let local = try RepositoryScratch(environment: ["KURA_SSH": server.sshCommand])
        try local.scratch.write("tree/a.txt", "alpha\n")
        #expect(try local.kura("backup", "--subject", "a", local.path("tree")).status == 0)
        let password = local.path("password")
        let toSFTP = try local.kura(arguments: ["copy", "--from", local.path("repo"), "--to", "sftp:kura-test:\(folder)",
                                                "--to-password-file", password])
        #expect(toSFTP.status == 0, "\(toSFTP.stderr)")
        try remote.scratch.write("tree/b.txt", "beta\n")
        #expect(try remote.kura("backup", "--subject", "b", remote.path("tree")).status == 0)
        let back = try remote.kura(arguments: ["copy", "--from", "sftp:kura-test:\(folder)", "--to", local.path("repo"),
                                               "--to-password-file", password])
        #expect(back.status == 0, "\(back.stderr)")
        let listed = try local.kura("generations").output
        #expect(listed.contains("a@1") && listed.contains("b@1"), "\(listed)")
        // The server's folder, read as a local repository.
        let direct = try remote.kura(arguments: ["generations", "--repo", folder])
        #expect(direct.status == 0 && direct.output.contains("a@1"), "\(direct.stderr)")
    }

    @Test func aPackDeletedOnTheHostIsNamedByCheck() throws {
        let server = try OpenSSHServer()
        let (repo, folder) = try Self.repository(server)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try repo.writeRandom("source/f.bin", size: 2_000_000, seed: 3)
        #expect(try repo.kura("backup", "--subject", "s", repo.path("source")).status == 0)
        let packs = try FileManager.default.subpathsOfDirectory(atPath: folder + "/data").filter { $0.contains("/") }
        let pack = try #require(packs.first)
        try FileManager.default.removeItem(atPath: folder + "/data/" + pack)
        let check = try repo.kura("check")
        let name = (pack as NSString).lastPathComponent
        #expect(check.status == 3, "\(check.output) \(check.stderr)")
        #expect(check.output.contains("pack \(name.prefix(8))"), "\(check.output)")
    }

    /// sshd dies in the middle of a backup: one line within a bound, non-zero, no trap; once
    /// it is back the backup completes and check passes.
    @Test func sshdKilledDuringBackup() throws {
        let server = try OpenSSHServer()
        let (repo, folder) = try Self.repository(server)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for index in 0..<24 { try repo.writeRandom("data/f\(index)", size: 8_000_000, seed: UInt64(index + 1)) }
        let errors = repo.path("backup.stderr")
        let backup = try repo.scratch.start("/bin/sh", ["-c", "exec \(Tools.kura) backup --subject s \(repo.path("data")) 2>\(errors)"],
                                            environment: repo.environment)
        // Killed once the first pack has arrived on the host: mid-backup, not before it.
        let waited = Date()
        while (try? FileManager.default.subpathsOfDirectory(atPath: folder + "/data"))?.contains(where: { $0.contains("/") && !$0.contains("/.") }) != true,
              Date().timeIntervalSince(waited) < 60 {
            usleep(20_000)
        }
        let killed = Date()
        server.stop(kill: true)
        backup.waitUntilExit()
        let said = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
        #expect(backup.terminationStatus != 0, "the backup claims success with sshd gone")
        #expect(backup.terminationReason == .exit, "no trap: \(said)")
        #expect(Date().timeIntervalSince(killed) < 60)
        #expect(said.contains("sftp:kura-test:") && said.split(separator: "\n").count == 1, "\(said)")
        // ssh's own last words ("Connection to 127.0.0.1 closed by remote host."), not a bare EPIPE.
        #expect(said.contains("the connection ended") && !said.contains("Broken pipe"), "\(said)")

        try server.start()
        let retried = try repo.kura("backup", "--subject", "s", repo.path("data"))
        #expect(retried.status == 0, "\(retried.stderr)")
        let check = try repo.kura("check", "--read-data")
        #expect(check.status == 0, "\(check.output) \(check.stderr)")
    }

    @Test func anUnreachableHostAndARefusedKeyAreOneLine() throws {
        let server = try OpenSSHServer()
        let (repo, folder) = try Self.repository(server)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let closed = try repo.kura(arguments: ["generations", "--repo", "sftp://127.0.0.1:1\(folder)"])
        #expect(closed.status != 0 && closed.stderr.contains("Connection refused"), "\(closed.stderr)")
        #expect(closed.stderr.split(separator: "\n").count == 1, "\(closed.stderr)")

        let missing = try repo.kura(arguments: ["generations", "--repo", "sftp:kura-test:\(folder)-not-there"])
        #expect(missing.status == 10 && missing.stderr.contains("\(folder)-not-there"), "\(missing.stderr)")

        // A key the server does not know: ssh's own words.
        let config = try String(contentsOfFile: server.directory + "/ssh_config_1", encoding: .utf8)
        #expect(try repo.shell("ssh-keygen -q -t ed25519 -N '' -f \(server.directory)/stranger").status == 0)
        try config.replacingOccurrences(of: server.directory + "/client_key_1", with: server.directory + "/stranger")
            .write(toFile: server.directory + "/ssh_config_stranger", atomically: true, encoding: .utf8)
        let refused = try repo.kura(arguments: ["generations"], environment: ["KURA_SSH": "ssh -F \(server.directory)/ssh_config_stranger"])
        #expect(refused.status != 0 && refused.stderr.contains("Permission denied"), "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
    }
}
