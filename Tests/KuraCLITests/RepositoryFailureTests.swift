import Foundation
import Testing

/// Damage, crashes, concurrency and bad input against real repositories.
@Suite struct RepositoryFailureTests {
    /// A repository with two generations of a small tree.
    static func populated() throws -> RepositoryScratch {
        let repo = try RepositoryScratch()
        try repo.writeRandom("data/a.bin", size: 2_000_000, seed: 1)
        try repo.writeRandom("data/sub/b.bin", size: 600_000, seed: 2)
        try repo.scratch.write("data/sub/c.txt", "text file\n")
        #expect(try repo.kura("backup", "--subject", "s", repo.path("data")).status == 0)
        try repo.writeRandom("data/d.bin", size: 300_000, seed: 3)
        #expect(try repo.kura("backup", "--subject", "s", repo.path("data")).status == 0)
        return repo
    }

    static func objects(_ repo: RepositoryScratch, _ kind: String) throws -> [String] {
        let root = repo.path("repo/\(kind)")
        let enumerator = FileManager.default.enumerator(atPath: root)
        var files: [String] = []
        while let entry = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + entry, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(root + "/" + entry)
            }
        }
        return files.sorted()
    }

    static func modify(_ path: String, _ change: (inout [UInt8]) -> Void) throws {
        chmod(path, 0o600)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        change(&bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test("check finds each kind of damage", arguments: [
        "flip-pack", "truncate-pack", "delete-pack", "flip-index", "delete-index", "flip-generation",
    ])
    func checkFindsDamage(kind: String) throws {
        let repo = try Self.populated()
        #expect(try repo.kura("check", "--read-data").status == 0)
        let packs = try Self.objects(repo, "data")
        let largest = try #require(packs.max { (try? Data(contentsOf: URL(fileURLWithPath: $0)).count) ?? 0 < (try? Data(contentsOf: URL(fileURLWithPath: $1)).count) ?? 0 })
        switch kind {
        case "flip-pack": try Self.modify(largest) { $0[1000] ^= 0x10 }
        case "truncate-pack": try Self.modify(largest) { $0.removeLast($0.count / 2) }
        case "delete-pack": try FileManager.default.removeItem(atPath: largest)
        case "flip-index": try Self.modify(try Self.objects(repo, "index")[0]) { $0[40] ^= 1 }
        case "delete-index": for file in try Self.objects(repo, "index") { try FileManager.default.removeItem(atPath: file) }
        case "flip-generation": try Self.modify(try Self.objects(repo, "generations")[0]) { $0[30] ^= 1 }
        default: Issue.record("unknown damage")
        }
        let check = try repo.kura("check", "--read-data")
        #expect(check.status == 3, "\(kind): \(check.output) \(check.stderr)")
        #expect(check.output.contains("damaged: "), "\(kind): \(check.output)")
        if kind.hasSuffix("pack") {
            #expect(check.output.contains("affects s@"), "\(kind) names the affected generation and file: \(check.output)")
        }
    }

    @Test func restoreOfDamagedDataFailsClearly() throws {
        let repo = try Self.populated()
        for pack in try Self.objects(repo, "data") { try Self.modify(pack) { $0[200] ^= 0x01 } }
        let restore = try repo.kura("restore", "s@1", "--target", repo.path("out"))
        #expect(restore.status == 13, "\(restore.stderr)")
        #expect(restore.stderr.hasPrefix("kura: ") && restore.stderr.split(separator: "\n").count == 1)
    }

    /// SIGKILL at random moments leaves a repository that check accepts and in which the next
    /// backup completes.
    @Test func sigkillDuringBackupLosesNothing() throws {
        let repo = try RepositoryScratch()
        for index in 0..<12 { try repo.writeRandom("data/f\(index)", size: 3_000_000, seed: UInt64(index + 10)) }
        for round in 0..<8 {
            try repo.writeRandom("data/changing", size: 1_000_000, seed: UInt64(round + 100))
            let delay = Double.random(in: 0.02...0.6)
            let backup = try repo.scratch.start(Tools.kura, ["backup", "--subject", "k", repo.path("data")],
                                                environment: repo.environment)
            usleep(UInt32(delay * 1_000_000))
            kill(backup.processIdentifier, SIGKILL)
            backup.waitUntilExit()
            let check = try repo.kura("check")
            #expect(check.status == 0, "round \(round) after \(delay)s: \(check.output) \(check.stderr)")
        }
        // The killed backups' locks are stale: unlock (like every command) clears them.
        let unlock = try repo.kura("unlock")
        #expect(unlock.status == 0 && unlock.output.contains("0 live lock(s)"), "\(unlock.output)")
        // A backup killed while writing its lock may leave a hidden temporary file, which is
        // not an object (docs/FORMAT.md); listings remove such files once they are an hour old.
        let locks = ((try? FileManager.default.contentsOfDirectory(atPath: repo.path("repo/locks"))) ?? []).filter { !$0.hasPrefix(".") }
        #expect(locks.isEmpty, "\(locks)")
        let final = try repo.kura("backup", "--subject", "k", repo.path("data"))
        #expect(final.status == 0, "\(final.stderr)")
        #expect(try repo.kura("check", "--read-data").status == 0)
        #expect(try repo.kura("restore", "k@latest", "--target", repo.path("out"), "--verify").status == 0)
    }

    @Test func concurrentBackupsBothSucceed() throws {
        let repo = try RepositoryScratch()
        for index in 0..<4 { try repo.writeRandom("one/f\(index)", size: 2_000_000, seed: UInt64(index)) }
        for index in 0..<4 { try repo.writeRandom("two/f\(index)", size: 2_000_000, seed: UInt64(index + 50)) }
        let one = try repo.scratch.start(Tools.kura, ["backup", "--subject", "one", repo.path("one")], environment: repo.environment)
        let two = try repo.scratch.start(Tools.kura, ["backup", "--subject", "two", repo.path("two")], environment: repo.environment)
        one.waitUntilExit()
        two.waitUntilExit()
        #expect(one.terminationStatus == 0 && two.terminationStatus == 0)
        #expect(try repo.kura("check", "--read-data").status == 0)
        let generations = try repo.kura("generations").output
        #expect(generations.contains("one@1") && generations.contains("two@1"))
    }

    @Test func badInputGivesClearErrors() throws {
        let repo = try Self.populated()
        let missing = try repo.kura(arguments: ["generations"], environment: ["KURA_REPOSITORY": repo.path("nowhere")])
        #expect(missing.status == 10)
        #expect(missing.stderr.contains("kura init"))
        try repo.scratch.write("wrong", "not the password\n")
        let wrong = try repo.kura(arguments: ["generations"], environment: ["KURA_PASSWORD_FILE": repo.path("wrong")])
        #expect(wrong.status == 12)
        let command = try repo.kura(arguments: ["generations"], environment: ["KURA_PASSWORD_FILE": "",
                                                                              "KURA_PASSWORD_COMMAND": "cat '\(repo.path("password"))'"])
        #expect(command.status == 0, "password from a command")
        #expect(try repo.kura("backup", "--subject", "s", repo.path("no-such-path")).status == 1)
        #expect(try repo.kura("restore", "s@99", "--target", repo.path("x")).status == 1)
        #expect(try repo.kura("init").status == 1, "init over an existing repository")
        for result in [missing, wrong] {
            #expect(result.stderr.hasPrefix("kura: ") && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
    }

    /// As root every file is readable, so the unreadable-file case runs kura as nobody.
    @Test func unreadableFileIsReportedAndBackupGoesOn() throws {
        let repo = try RepositoryScratch()
        try repo.scratch.write("data/ok.txt", "readable\n")
        try repo.scratch.write("data/secret.txt", "unreadable\n")
        let prepare = try repo.shell("chmod -R a+rwX '\(repo.scratch.url.path)' && chmod 000 '\(repo.path("data/secret.txt"))'")
        #expect(prepare.status == 0)
        let asNobody = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", Tools.kura,
                        "backup", "--subject", "u", repo.path("data")]
        let result = try repo.scratch.run(asNobody[0], Array(asNobody.dropFirst()), environment: repo.environment)
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("secret.txt"))
        #expect(try repo.kura("ls", "u@1").output.contains("ok.txt"))
    }

    @Test func fullDiskDuringBackupIsAClearError() throws {
        let repo = try RepositoryScratch()
        let small = repo.path("small")
        try FileManager.default.createDirectory(atPath: small, withIntermediateDirectories: true)
        guard try repo.shell("mount -t tmpfs -o size=2m kura-test '\(small)'").status == 0 else { return }
        defer { _ = try? repo.shell("umount '\(small)'") }
        let env = ["KURA_REPOSITORY": small + "/repo"]
        #expect(try repo.kura(arguments: ["init", "--kdf-iterations", "1", "--kdf-memory", "8"], environment: env).status == 0)
        try repo.writeRandom("data/big", size: 6_000_000, seed: 9)
        let backup = try repo.kura(arguments: ["backup", "--subject", "f", repo.path("data")], environment: env)
        #expect(backup.status == 1, "\(backup.stderr)")
        #expect(backup.stderr.contains("no space"), "\(backup.stderr)")
        #expect(try repo.kura(arguments: ["check"], environment: env).status == 0, "the repository is still consistent")
    }
}
