import Foundation
import KuraTestSupport
import Testing

/// `kura key rotate [--reencrypt]` through the real binary: removed keys, even with a saved
/// copy of their slot, read nothing written after a rotation and nothing at all after
/// re-encryption, while live keys of every role go on working; SIGKILL at any moment of a
/// re-encryption leaves a repository that check accepts and the next run finishes.
@Suite struct KeyRotationTests {
    /// Puts a saved copy of a removed key's slot back, as someone who kept it and can write
    /// to storage would.
    static func restoreSlot(_ repo: RepositoryScratch, id: String, from saved: String) throws {
        let slot = repo.path("repo/keys/\(id)")
        #expect(try repo.shell("chmod u+w '\(slot)' && cp '\(saved)' '\(slot)'").status == 0)
    }

    static func epochEnvelopes(_ repo: RepositoryScratch) throws -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: repo.path("repo/epochs")))?.filter { !$0.hasPrefix(".") }.sorted() ?? []
    }

    @Test func removedKeysReadNothingNewAfterRotationAndNothingAfterReencryption() throws {
        let repo = try KeyRoleTests.repositoryWithRoles()
        let restoreID = try KeyRoleTests.keyID(repo, role: "restore")
        let auditorID = try KeyRoleTests.keyID(repo, role: "auditor")
        for id in [restoreID, auditorID] {
            #expect(try repo.shell("cp '\(repo.path("repo/keys/\(id)"))' '\(repo.path("saved-\(id)"))'").status == 0)
            #expect(try repo.kura("key", "remove", id).status == 0)
        }
        let rotated = try repo.kura("key", "rotate", "--json")
        #expect(rotated.status == 0, "\(rotated.stderr)")
        let rotation = try JSONSerialization.jsonObject(with: rotated.stdout) as? [String: Any]
        #expect(rotation?["epoch"] as? Int == 1 && (rotation?["keys"] as? [String])?.count == 2, "admin and backup: \(rotated.output)")

        // The live backup key writes under the new epoch; its data deduplicates as before.
        try repo.scratch.write("data/new.txt", "written after the rotation\n")
        let backup = try KeyRoleTests.run(repo, as: "backup", ["backup", "--subject", "s", repo.path("data")])
        #expect(backup.status == 0, "\(backup.stderr)")

        // The removed keys, their slots put back: the audit log records their removal, so
        // kura refuses them (docs/KEYS.md, "Membership"); what a client of their own could
        // read with the saved secrets is limited by the epochs below.
        try Self.restoreSlot(repo, id: restoreID, from: repo.path("saved-\(restoreID)"))
        try Self.restoreSlot(repo, id: auditorID, from: repo.path("saved-\(auditorID)"))
        let seen = try KeyRoleTests.run(repo, as: "restore", ["generations", "--json"])
        #expect(seen.status == 12 && seen.stderr.contains(String(restoreID.prefix(8))), "\(seen.stderr)")
        #expect(try KeyRoleTests.run(repo, as: "restore", ["backup", "--subject", "s", repo.path("data")]).status != 0)

        // Re-encryption: the audit log says the key was removed, so its restored slot gets no
        // envelope, and afterwards it reads nothing.
        let reencrypted = try repo.kura("key", "rotate", "--reencrypt", "--json")
        #expect(reencrypted.status == 0, "\(reencrypted.stderr)")
        let report = try JSONSerialization.jsonObject(with: reencrypted.stdout) as? [String: Any]
        #expect(report?["epoch"] as? Int == 2 && (report?["packsRewritten"] as? Int ?? 0) >= 1, "\(reencrypted.output)")
        #expect(try Self.epochEnvelopes(repo).allSatisfy { !$0.hasSuffix(restoreID) && !$0.hasSuffix(auditorID) })
        let after = try KeyRoleTests.run(repo, as: "restore", ["generations", "--json"])
        #expect(after.status == 12, "\(after.output)")
        #expect(try KeyRoleTests.run(repo, as: "restore", ["restore", "s@1", "--target", repo.path("after")]).status != 0)
        #expect(try KeyRoleTests.run(repo, as: "restore", ["check", "--read-data"]).status != 0)
        let audit = try KeyRoleTests.run(repo, as: "auditor", ["audit", "log", "--json"])
        #expect(!audit.output.contains("key-rotate"), "a removed auditor reads no audit entry: \(audit.output)")

        // Live keys: the admin reads and verifies everything, the backup key still backs up,
        // and a key added after the rotations restores.
        // check names the slots put back; deleted, the repository is clean.
        let named = try repo.kura("check", "--read-data")
        #expect(named.status == 3 && named.output.contains(String(restoreID.prefix(8))), "\(named.output)")
        for id in [restoreID, auditorID] { try FileManager.default.removeItem(atPath: repo.path("repo/keys/\(id)")) }
        #expect(try repo.kura("check", "--read-data").status == 0)
        #expect(try repo.kura("audit", "verify").status == 0)
        let contents = try GenerationContents.of(repo.path("data"))
        #expect(try repo.restoredContents("s@2", source: repo.path("data")) == contents)
        try repo.scratch.write("data/third.txt", "after re-encryption\n")
        #expect(try KeyRoleTests.run(repo, as: "backup", ["backup", "--subject", "s", repo.path("data")]).status == 0)
        try repo.scratch.write("new-restore.pw", "another password\n")
        #expect(try KeyRoleTests.add(repo, role: "restore", passwordFile: repo.path("new-restore.pw")).status == 0)
        let fresh = try repo.kura(arguments: ["restore", "s@3", "--target", repo.path("fresh"), "--verify"],
                                  environment: ["KURA_PASSWORD_FILE": repo.path("new-restore.pw")])
        #expect(fresh.status == 0, "\(fresh.stderr)")
        let log = try repo.kura("audit", "log").output
        #expect(log.contains("key-rotate") && log.contains("key-reencrypt"))
    }

    @Test func onlyAdminsRotateAndVersionOneSlotsMustBeReplacedFirst() throws {
        let repo = try KeyRoleTests.repositoryWithRoles()
        for role in ["backup", "restore", "auditor"] {
            let refused = try KeyRoleTests.run(repo, as: role, ["key", "rotate"])
            #expect(refused.status == 15 && refused.stderr.contains(role), "\(role): \(refused.stderr)")
        }
        #expect(try Self.epochEnvelopes(repo).isEmpty)

        let scratch = try Scratch()
        #expect(try scratch.shell("cp -r '\(FormatVectorTests.vector)' repo && chmod -R u+w repo").status == 0)
        try scratch.write("pw", "kura vector password\n")
        let refused = try scratch.run(Tools.kura, ["key", "rotate"],
                                      environment: ["KURA_REPOSITORY": scratch.path("repo"), "KURA_PASSWORD_FILE": scratch.path("pw")])
        #expect(refused.status != 0 && refused.stderr.contains("version 1") && refused.stderr.split(separator: "\n").count == 1,
                "\(refused.stderr)")
    }

    /// A live key whose envelope of the newest epoch is missing reads but does not write;
    /// `key list` and `access-review` say so, and rotating again brings it back.
    @Test func aKeyBehindTheEpochCannotWriteUntilTheNextRotation() throws {
        let repo = try KeyRoleTests.repositoryWithRoles()
        #expect(try repo.kura("key", "rotate").status == 0)
        let backupID = try KeyRoleTests.keyID(repo, role: "backup")
        for envelope in try Self.epochEnvelopes(repo) where envelope.hasSuffix(backupID) {
            try FileManager.default.removeItem(atPath: repo.path("repo/epochs/\(envelope)"))
        }
        let refused = try KeyRoleTests.run(repo, as: "backup", ["backup", "--subject", "s", repo.path("data")])
        #expect(refused.status == 1 && refused.stderr.contains("epoch 0") && refused.stderr.contains("epoch 1"), "\(refused.stderr)")
        let listed = try KeyRoleTests.keys(repo).first { $0["id"] as? String == backupID }
        #expect(listed?["epoch"] as? Int == 0, "\(String(describing: listed))")
        #expect(try repo.kura("key", "list").output.contains("BEHIND"))
        let review = try repo.kura("access-review")
        #expect(review.status == 16 && review.output.contains("behind-epoch"), "\(review.output)")
        #expect(try repo.kura("key", "rotate").status == 0)
        let again = try KeyRoleTests.run(repo, as: "backup", ["backup", "--subject", "s", repo.path("data")])
        #expect(again.status == 0, "\(again.stderr)")
    }

    /// Deleting the newest epoch's envelopes does not make keys fall back to older secrets:
    /// the audit log records the rotation, and writers refuse until an admin rotates again.
    @Test func deletedEnvelopesAreCaughtByTheAuditLog() throws {
        let repo = try KeyRoleTests.repositoryWithRoles()
        #expect(try repo.kura("key", "rotate").status == 0)
        for envelope in try Self.epochEnvelopes(repo) {
            try FileManager.default.removeItem(atPath: repo.path("repo/epochs/\(envelope)"))
        }
        try repo.scratch.write("data/more.txt", "more\n")
        for role in ["admin", "backup"] {
            let refused = try KeyRoleTests.run(repo, as: role, ["backup", "--subject", "s", repo.path("data")])
            #expect(refused.status == 1 && refused.stderr.contains("records a rotation to key epoch 1"), "\(role): \(refused.stderr)")
        }
        let rotated = try repo.kura("key", "rotate", "--json")
        #expect((try JSONSerialization.jsonObject(with: rotated.stdout) as? [String: Any])?["epoch"] as? Int == 2, "\(rotated.output)")
        #expect(try KeyRoleTests.run(repo, as: "backup", ["backup", "--subject", "s", repo.path("data")]).status == 0)
        #expect(try repo.kura("check", "--read-data").status == 0)
    }

    /// Removing the admin that rotated keeps its rotation: the remover signs the envelopes
    /// again, so every key still holds the newest epoch.
    @Test func removingTheAdminThatRotatedKeepsTheEpoch() throws {
        let repo = try KeyRoleTests.repositoryWithRoles()
        try repo.scratch.write("second-admin.pw", "second admin\n")
        #expect(try KeyRoleTests.add(repo, role: "admin", passwordFile: repo.path("second-admin.pw")).status == 0)
        #expect(try repo.kura("key", "rotate").status == 0)
        let firstAdmin = try KeyRoleTests.keys(repo).first { $0["current"] as? Bool == true }?["id"] as? String ?? ""
        let second = ["KURA_PASSWORD_FILE": repo.path("second-admin.pw")]
        #expect(try repo.kura(arguments: ["key", "remove", firstAdmin], environment: second).status == 0)
        let epochs = try repo.kura(arguments: ["key", "list", "--json"], environment: second).output
        #expect(!epochs.contains("\"epoch\":0"), "\(epochs)")
        #expect(try KeyRoleTests.run(repo, as: "backup", ["backup", "--subject", "s", repo.path("data")]).status == 0)
        #expect(try repo.kura(arguments: ["check", "--read-data"], environment: second).status == 0)
    }

    /// An envelope written straight to storage, or signed by a key that is not an admin, is
    /// ignored: it cannot make keys write to data keys someone else chose.
    @Test func forgedEnvelopesAreIgnored() throws {
        let repo = try KeyRoleTests.repositoryWithRoles()
        #expect(try repo.kura("key", "rotate").status == 0)
        let envelopes = try Self.epochEnvelopes(repo)
        let backupID = try KeyRoleTests.keyID(repo, role: "backup")
        guard let mine = envelopes.first(where: { $0.hasSuffix(backupID) }) else {
            Issue.record("no envelope for the backup key: \(envelopes)")
            return
        }
        // A later epoch "signed" by the backup key itself.
        let forged = repo.path("repo/epochs/\(mine.replacingOccurrences(of: "1-0-", with: "9-0-"))")
        let original = try String(contentsOfFile: repo.path("repo/epochs/\(mine)"), encoding: .utf8)
        try original.replacingOccurrences(of: "\"epoch\":1", with: "\"epoch\":9")
            .replacingOccurrences(of: "\"createdBy\":\"", with: "\"createdBy\":\"\(backupID)\",\"x\":\"")
            .write(toFile: forged, atomically: true, encoding: .utf8)
        let backup = try KeyRoleTests.run(repo, as: "backup", ["backup", "--subject", "s", repo.path("data")])
        #expect(backup.status == 0, "a forged later epoch is not taken as the repository's: \(backup.stderr)")
        let check = try repo.kura("check", "--read-data")
        #expect(check.status != 0 && check.output.contains("epochs/9-0-"), "check names the forged envelope: \(check.output)")
        try FileManager.default.removeItem(atPath: forged)
        #expect(try repo.kura("check", "--read-data").status == 0)
    }

    /// On a real S3 server (SeaweedFS), where re-encryption replaces records in place with
    /// PUTs: a removed key reads nothing afterwards and everything restores for the admin.
    @Test func reencryptionOnS3() throws {
        let server = try SeaweedServer()
        let repo = try RepositoryScratch(repository: "s3://kura-rotate-\(UInt32.random(in: 0...UInt32.max))/r",
                                         environment: server.environment)
        try repo.writeRandom("data/big", size: 3_000_000, seed: 7)
        try repo.scratch.write("data/small.txt", "small\n")
        #expect(try repo.kura("backup", "--subject", "s", repo.path("data")).status == 0)
        try repo.scratch.write("leaving.pw", "leaving password\n")
        #expect(try KeyRoleTests.add(repo, role: "restore", passwordFile: repo.path("leaving.pw")).status == 0)
        #expect(try repo.kura("key", "remove", try KeyRoleTests.keyID(repo, role: "restore")).status == 0)
        let reencrypted = try repo.kura("key", "rotate", "--reencrypt")
        #expect(reencrypted.status == 0, "\(reencrypted.stderr)")
        #expect(try repo.kura("check", "--read-data").status == 0)
        #expect(try repo.kura("audit", "verify").status == 0)
        let contents = try GenerationContents.of(repo.path("data"))
        #expect(try repo.restoredContents("s@1", source: repo.path("data")) == contents)
    }

    /// SIGKILL at many moments of `key rotate --reencrypt`: after each, check with read-data
    /// passes; running the command again resumes (no new epoch) and finishes.
    @Test func sigkillDuringReencryptionLosesNothing() throws {
        let repo = try RepositoryScratch()
        for round in 1...8 {
            for index in 0..<3 { try repo.writeRandom("data/f\(index)", size: 700_000, seed: UInt64(round * 100 + 2 * index + 1)) }
            #expect(try repo.kura("backup", "--subject", "s", repo.path("data")).status == 0)
        }
        let expected = try GenerationContents.of(repo.path("data"))
        let pristine = repo.path("pristine")
        #expect(try repo.shell("cp -a '\(repo.path("repo"))' '\(pristine)'").status == 0)
        // One pack per step and a pause after each, so kills fall between all of its steps.
        let slow = ["KURA_TEST_REENCRYPT_PACKS_PER_STEP": "1", "KURA_TEST_REENCRYPT_STEP_PAUSE": "0.15"]
        let timing = repo.path("timing")
        #expect(try repo.shell("cp -a '\(pristine)' '\(timing)'").status == 0)
        let started = Date()
        #expect(try repo.kura(arguments: ["key", "rotate", "--reencrypt"], environment: slow.merging(["KURA_REPOSITORY": timing]) { $1 }).status == 0)
        let duration = Date().timeIntervalSince(started)

        var resumed = 0
        let rounds = 8
        for round in 0..<rounds {
            let copy = repo.path("kill\(round)")
            #expect(try repo.shell("cp -a '\(pristine)' '\(copy)'").status == 0)
            let env = ["KURA_REPOSITORY": copy]
            let process = try repo.scratch.start(Tools.kura, ["key", "rotate", "--reencrypt"],
                                                 environment: repo.environment.merging(env) { $1 }.merging(slow) { $1 })
            usleep(UInt32(duration * 1_000_000 * Double(round + 1) / Double(rounds + 1)))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let check = try repo.kura(arguments: ["check", "--read-data"], environment: env)
            #expect(check.status == 0, "kill \(round): \(check.output) \(check.stderr)")
            let again = try repo.kura(arguments: ["key", "rotate", "--reencrypt", "--json"], environment: env)
            #expect(again.status == 0, "kill \(round): \(again.stderr)")
            let report = try JSONSerialization.jsonObject(with: again.stdout) as? [String: Any]
            if report?["resumed"] as? Bool == true {
                resumed += 1
                #expect(report?["epoch"] as? Int == 1, "a resumed run keeps the epoch: \(again.output)")
            }
            #expect(try repo.kura(arguments: ["check", "--read-data"], environment: env).status == 0)
            #expect(try repo.kura(arguments: ["audit", "verify"], environment: env).status == 0)
            #expect(try repo.restoredContents("s@8", source: repo.path("data"), environment: env) == expected, "kill \(round)")
            try? FileManager.default.removeItem(atPath: copy)
        }
        #expect(resumed >= 3, "kills landed during re-encryption and later runs resumed (\(resumed) of \(rounds))")
        print("re-encryption took \(String(format: "%.2f", duration)) s; \(resumed) of \(rounds) killed runs resumed")
    }
}
