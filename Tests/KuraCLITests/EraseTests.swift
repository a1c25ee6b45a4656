import Foundation
import KuraCrypto
import KuraTestSupport
import Testing

/// `kura erase` through the real binary: a subject's unique data is gone while shared data
/// stays and restores, the certificate is in the audit log and verifies, roles other than
/// admin are refused, SIGKILL leaves a repository check accepts, and a crypto-erased
/// repository leaves no key slot and fails every command with one line.
@Suite(.serialized) struct EraseTests {
    /// Subject `a` (two generations; `unique`, `unique2` and `small` only it has, `shared`
    /// also in `b`) and subject `b` (`shared`, `own`). `small` shares a pack with `shared` and
    /// is under 5 % of it: an ordinary prune would leave it where it is.
    static func twoSubjects(_ made: RepositoryScratch? = nil) throws -> RepositoryScratch {
        let repo = try made ?? RepositoryScratch(createdAt: "2024-12-01T00:00:00Z")
        try repo.writeRandom("a/small", size: 100_000, seed: 19)
        try repo.writeRandom("a/shared", size: 4_000_000, seed: 13)
        try repo.writeRandom("b/shared", size: 4_000_000, seed: 13)
        try repo.writeRandom("b/own", size: 1_000_000, seed: 15)
        #expect(try repo.backup("a", repo.path("a"), at: "2025-03-01T00:00:00Z").status == 0)
        try repo.writeRandom("a/unique", size: 3_000_000, seed: 11)
        try repo.writeRandom("a/unique2", size: 1_000_000, seed: 17)
        #expect(try repo.backup("a", repo.path("a"), at: "2025-03-02T00:00:00Z").status == 0)
        #expect(try repo.backup("b", repo.path("b"), at: "2025-03-02T00:00:00Z").status == 0)
        return repo
    }

    static func packCount(_ repo: RepositoryScratch, _ repository: String? = nil) throws -> Int {
        try repo.objectListing(repository ?? repo.path("repo")).keys
            .filter { $0.hasPrefix("data/") && !($0.split(separator: "/").last ?? "").hasPrefix(".") }.count
    }

    static func certificate(_ result: CommandResult) -> (fields: [String: Any], valid: Bool, publicKey: String) {
        let object = jsonObject(result)
        guard let payload = object["payload"] as? String,
              let signature = (object["signature"] as? String).flatMap(Base64.decodeCanonicalPadded),
              let keyText = object["publicKey"] as? String, let keyBytes = Base64.decodeCanonicalPadded(keyText),
              let key = try? Ed25519.PublicKey(bytes: keyBytes),
              let fields = (try? JSONSerialization.jsonObject(with: Data(payload.utf8))) as? [String: Any] else {
            return ([:], false, "")
        }
        return (fields, key.isValidSignature(signature, for: Array(payload.utf8)), keyText)
    }

    /// Stored bytes a backup of `folder` as a new subject adds: what the index lacks.
    static func newBytes(_ repo: RepositoryScratch, backingUp folder: String, as subject: String) throws -> Int {
        let result = try repo.kura("backup", "--subject", subject, "--json", repo.path(folder))
        #expect(result.status == 0, "\(result.stderr)")
        let summary = result.output.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }.first { $0["type"] as? String == "summary" }
        return summary?["stored_bytes"] as? Int ?? -1
    }

    @Test func eraseSubjectRemovesItsDataAndKeepsSharedData() throws {
        let repo = try Self.twoSubjects()
        let bContents = try GenerationContents.of(repo.path("b"))
        let packsBefore = try Self.packCount(repo)
        let result = try repo.kura("erase", "--subject", "a", "--yes", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let (fields, valid, _) = Self.certificate(result)
        #expect(valid, "the certificate's signature verifies")
        #expect(fields["action"] as? String == "erase-subject" && fields["subject"] as? String == "a", "\(fields)")
        let counts = fields["counts"] as? [String: Any] ?? [:]
        #expect(counts["generationRecords"] as? Int == 2, "\(counts)")
        #expect(counts["blobsStillStored"] as? Int == 0, "\(counts)")
        #expect((counts["blobsRemoved"] as? Int ?? 0) >= 5, "\(counts)")
        #expect((counts["sharedBlobsKept"] as? Int ?? 0) >= 1, "\(counts)")
        #expect((counts["packsDeleted"] as? Int ?? 0) >= 1, "\(counts)")
        #expect((fields["generations"] as? [[String: Any]])?.compactMap { $0["number"] as? Int }.sorted() == [1, 2], "\(fields)")

        #expect(try Self.packCount(repo) < packsBefore)
        #expect(try repo.generationNames().keys.sorted() == ["b@1"])
        let check = try repo.kura("check", "--read-data")
        #expect(check.status == 0 && !check.stderr.contains("not in any index"), "\(check.output) \(check.stderr)")
        #expect(try repo.restoredContents("b@1", source: repo.path("b")) == bContents)

        let log = try repo.kura("audit", "log", "--json")
        let entries = log.output.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
        let erase = entries.first { $0["action"] as? String == "erase-subject" }
        let audit = fields["auditEntry"] as? [String: Any] ?? [:]
        #expect(erase?["id"] as? String == audit["id"] as? String, "the certificate names its audit entry")
        let details = erase?["details"] as? [String: String] ?? [:]
        #expect(details["subject"] == "a" && details["generation records"] == "2" && details["blobs removed"] != nil, "\(details)")
        #expect(try repo.kura("audit", "verify").status == 0)

        // The index has none of a's own content any more (a backup of it stores it all
        // again), and still has the shared file (a backup of it stores almost nothing).
        try FileManager.default.createDirectory(atPath: repo.path("probe-unique"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: repo.path("a/unique"), toPath: repo.path("probe-unique/unique"))
        try FileManager.default.copyItem(atPath: repo.path("a/unique2"), toPath: repo.path("probe-unique/unique2"))
        #expect(try Self.newBytes(repo, backingUp: "probe-unique", as: "probe1") >= 4_000_000)
        try FileManager.default.createDirectory(atPath: repo.path("probe-small"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: repo.path("a/small"), toPath: repo.path("probe-small/small"))
        #expect(try Self.newBytes(repo, backingUp: "probe-small", as: "probe3") >= 100_000,
                "the pack mixing small with shared was rewritten")
        try FileManager.default.createDirectory(atPath: repo.path("probe-shared"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: repo.path("a/shared"), toPath: repo.path("probe-shared/shared"))
        #expect(try Self.newBytes(repo, backingUp: "probe-shared", as: "probe2") < 100_000)
    }

    @Test func textCertificateAndDrillRecords() throws {
        let repo = try Self.twoSubjects()
        try FileManager.default.createDirectory(atPath: repo.path("scratch"), withIntermediateDirectories: true)
        #expect(try repo.kura("drill", "a", "--scratch", repo.path("scratch")).status == 0)
        let drills = { (jsonObject(try repo.kura("status", "--json"))["repositories"] as? [[String: Any]])?.first?["drills"] as? Int }
        #expect(try drills() == 1)
        let result = try repo.kura("erase", "--subject", "a", "--yes")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.output.contains("erase-subject") && result.output.contains("drillRecords=1"), "\(result.output)")
        #expect(result.output.contains("signature") && result.output.contains("payload: {"), "\(result.output)")
        #expect(try drills() == 0, "a's drill record is gone")
    }

    @Test func refusals() throws {
        let repo = try Self.twoSubjects()
        let listing = try repo.objectListing(repo.path("repo"))
        // No terminal and no --yes: exit 2, nothing done.
        for arguments in [["erase", "--subject", "a"], ["erase", "--repository"]] {
            let result = try repo.kura(arguments: arguments)
            #expect(result.status == 2 && result.stderr.contains("--yes"), "\(arguments): \(result.stderr)")
        }
        // Bad flag combinations.
        for arguments in [["erase", "--yes"], ["erase", "--subject", "a", "--repository", "--yes"],
                          ["erase", "--subject", "a", "--delete-data", "--yes"]] {
            #expect(try repo.kura(arguments: arguments).status == 2, "\(arguments)")
        }
        let missing = try repo.kura("erase", "--subject", "nobody", "--yes")
        #expect(missing.status == 1 && missing.stderr.contains("nobody"), "\(missing.stderr)")
        #expect(missing.stderr.split(separator: "\n").count == 1, "\(missing.stderr)")
        #expect(try repo.objectListing(repo.path("repo")).filter { !$0.key.hasPrefix("locks/") }
                == listing.filter { !$0.key.hasPrefix("locks/") })
    }

    @Test(arguments: ["backup", "restore", "auditor"]) func otherRolesAreRefused(role: String) throws {
        let repo = try KeyRoleTests.repositoryWithRoles()
        let before = try repo.objectListing(repo.path("repo")).filter { !$0.key.hasPrefix("locks/") }
        for arguments in [["erase", "--subject", "s", "--yes"], ["erase", "--repository", "--yes"]] {
            let result = try KeyRoleTests.run(repo, as: role, arguments)
            #expect(result.status == 15, "\(role) \(arguments): \(result.stderr)")
            #expect(result.stderr.contains(role) && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
        #expect(try repo.objectListing(repo.path("repo")).filter { !$0.key.hasPrefix("locks/") } == before)
    }

    /// The tree cache a backup key keeps on its host for the subject is removed when the
    /// erase runs on that host, and the certificate's note names its file for other hosts.
    @Test func eraseSubjectRemovesTheLocalTreeCache() throws {
        let repo = try KeyRoleTests.repositoryWithRoles()
        #expect(try KeyRoleTests.run(repo, as: "backup", ["backup", "--subject", "s", repo.path("data")]).status == 0)
        let folder = repo.path("cache/kura/trees")
        let cached = try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }
        #expect(cached.count == 1, "\(cached)")
        let result = try KeyRoleTests.run(repo, as: "admin", ["erase", "--subject", "s", "--yes"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }.isEmpty)
        #expect(result.output.contains(cached.first ?? "?"), "\(result.output)")
        #expect(try repo.kura("audit", "verify").status == 0)
    }

    @Test func eraseRepositoryDestroysEveryKeySlot() throws {
        let repo = try KeyRoleTests.repositoryWithRoles()
        let admin = try KeyRoleTests.keys(repo).first { $0["role"] as? String == "admin" }
        let result = try repo.kura("erase", "--repository", "--yes", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let (fields, valid, publicKey) = Self.certificate(result)
        #expect(valid, "the certificate's signature verifies offline")
        #expect(publicKey == admin?["signingKey"] as? String, "signed by the admin key that key list showed")
        #expect(fields["action"] as? String == "erase-repository" && fields["keySlotsDestroyed"] as? Int == 4, "\(fields)")
        // A tampered certificate does not verify.
        var tampered = jsonObject(result)
        tampered["payload"] = (tampered["payload"] as? String ?? "").replacingOccurrences(of: "\"keySlotsDestroyed\":4",
                                                                                          with: "\"keySlotsDestroyed\":3")
        let data = try JSONSerialization.data(withJSONObject: tampered)
        #expect(!Self.certificate(CommandResult(status: 0, stdout: data, stderr: "")).valid)

        let listing = try repo.objectListing(repo.path("repo"))
        #expect(listing.keys.filter { $0.hasPrefix("keys/") }.isEmpty, "\(listing.keys.sorted())")
        #expect(listing.keys.contains { $0.hasPrefix("data/") }, "data objects are kept without --delete-data")
        #expect(listing.keys.contains("config/erased"))
        for arguments in [["generations"], ["restore", "s@1", "--target", repo.path("out")], ["check"], ["audit", "log"],
                          ["audit", "verify"], ["key", "list"], ["backup", "--subject", "s", repo.path("data")],
                          ["prune"], ["erase", "--repository", "--yes"], ["erase", "--subject", "s", "--yes"]] {
            for role in ["admin", "backup", "restore", "auditor"] {
                let failed = try KeyRoleTests.run(repo, as: role, arguments)
                #expect(failed.status != 0, "\(role) \(arguments)")
                #expect(failed.stderr.hasPrefix("kura: ") && failed.stderr.contains("crypto-erased")
                        && failed.stderr.split(separator: "\n").count == 1, "\(role) \(arguments): \(failed.stderr)")
            }
        }
    }

    /// After `key rotate`, the epoch envelopes (`epochs/`) hold wrapped secrets too: a
    /// crypto-erase deletes them with the slots. A subject erase works in the new epoch.
    @Test func eraseAfterKeyRotation() throws {
        let repo = try KeyRoleTests.repositoryWithRoles()
        let rotate = try repo.kura("key", "rotate")
        #expect(rotate.status == 0, "\(rotate.stderr)")
        try repo.scratch.write("other/file.txt", "other\n")
        #expect(try repo.kura("backup", "--subject", "t", repo.path("other")).status == 0)
        let envelopes = { try repo.objectListing(repo.path("repo")).keys.filter { $0.hasPrefix("epochs/") } }
        let before = try envelopes()
        #expect(before.count == 4, "\(before)")
        let subject = try repo.kura("erase", "--subject", "s", "--yes")
        #expect(subject.status == 0, "\(subject.stderr)")
        #expect(try repo.kura("check", "--read-data").status == 0)
        #expect(try repo.kura("audit", "verify").status == 0)
        let whole = try repo.kura("erase", "--repository", "--yes", "--json")
        #expect(whole.status == 0, "\(whole.stderr)")
        let (fields, valid, _) = Self.certificate(whole)
        #expect(valid && fields["keySlotsDestroyed"] as? Int == 4 && fields["epochEnvelopesDestroyed"] as? Int == 4, "\(fields)")
        let left = try repo.objectListing(repo.path("repo")).keys
        #expect(!left.contains { $0.hasPrefix("keys/") || $0.hasPrefix("epochs/") }, "\(left.sorted())")
        let after = try KeyRoleTests.run(repo, as: "restore", ["generations"])
        #expect(after.status == 1 && after.stderr.contains("crypto-erased"), "\(after.stderr)")
    }

    @Test func eraseRepositoryWithDeleteData() throws {
        let repo = try Self.twoSubjects()
        let result = try repo.kura("erase", "--repository", "--delete-data", "--yes", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let (fields, valid, _) = Self.certificate(result)
        #expect(valid && fields["dataDeleted"] as? Bool == true, "\(fields)")
        let left = try repo.objectListing(repo.path("repo")).keys
        #expect(left.allSatisfy { $0.hasPrefix("config/") || $0.hasPrefix("audit/") }, "\(left.sorted())")
        let generations = try repo.kura("generations")
        #expect(generations.status == 1 && generations.stderr.contains("crypto-erased"), "\(generations.stderr)")
    }

    /// Both forms on a real S3 server (SeaweedFS).
    @Test func eraseOnS3() throws {
        let server = try SeaweedServer()
        let repo = try Self.twoSubjects(RepositoryScratch(repository: "s3://kura-erase-\(UInt32.random(in: 0...UInt32.max))/r",
                                                          environment: server.environment))
        let bContents = try GenerationContents.of(repo.path("b"))
        let subject = try repo.kura("erase", "--subject", "a", "--yes", "--json")
        #expect(subject.status == 0 && Self.certificate(subject).valid, "\(subject.stderr)")
        #expect(try repo.kura("check", "--read-data").status == 0)
        #expect(try repo.restoredContents("b@1", source: repo.path("b")) == bContents)
        let whole = try repo.kura("erase", "--repository", "--yes", "--json")
        #expect(whole.status == 0 && Self.certificate(whole).valid, "\(whole.stderr)")
        #expect(Self.certificate(whole).fields["keySlotsDestroyed"] as? Int == 1)
        let after = try repo.kura("generations")
        #expect(after.status == 1 && after.stderr.contains("crypto-erased"), "\(after.stderr)")
    }

    /// SIGKILL at moments spread over an erase: check --read-data passes and b restores after
    /// each; running the erase again (or prune, once no generation of a is left) finishes it.
    @Test func sigkillDuringEraseLeavesACheckableRepository() throws {
        let repo = try Self.twoSubjects()
        let bContents = try GenerationContents.of(repo.path("b"))
        let pristine = repo.path("pristine")
        #expect(try repo.shell("cp -a '\(repo.path("repo"))' '\(pristine)'").status == 0)
        let slow = ["KURA_TEST_PRUNE_STEP_PAUSE": "0.1"]
        let timing = repo.path("timing")
        #expect(try repo.shell("cp -a '\(pristine)' '\(timing)'").status == 0)
        let started = Date()
        let full = try repo.kura(arguments: ["erase", "--subject", "a", "--yes"], environment: slow.merging(["KURA_REPOSITORY": timing]) { $1 })
        #expect(full.status == 0, "\(full.stderr)")
        let duration = Date().timeIntervalSince(started)
        let finalPacks = try Self.packCount(repo, timing)

        let rounds = 8
        var states: Set<String> = []
        for round in 0..<rounds {
            let copy = repo.path("kill\(round)")
            #expect(try repo.shell("cp -a '\(pristine)' '\(copy)'").status == 0)
            let env = ["KURA_REPOSITORY": copy]
            let delay = duration * Double(round + 1) / Double(rounds + 1)
            let erase = try repo.scratch.start(Tools.kura, ["erase", "--subject", "a", "--yes"],
                                               environment: repo.environment.merging(env) { $1 }.merging(slow) { $1 })
            usleep(UInt32(delay * 1_000_000))
            kill(erase.processIdentifier, SIGKILL)
            erase.waitUntilExit()
            let names = try repo.generationNames(environment: env).keys.sorted()
            states.insert("\(names.count)/\(try Self.packCount(repo, copy))")

            let check = try repo.kura(arguments: ["check", "--read-data"], environment: env)
            #expect(check.status == 0, "kill after \(delay)s: \(check.output) \(check.stderr)")
            #expect(try repo.restoredContents("b@1", source: repo.path("b"), environment: env) == bContents)
            let again = try repo.kura(arguments: ["erase", "--subject", "a", "--yes"], environment: env)
            if again.status != 0 {
                #expect(again.status == 1 && again.stderr.contains("prune --max-unused 0%"), "\(again.stderr)")
                #expect(try repo.kura(arguments: ["prune", "--max-unused", "0%"], environment: env).status == 0)
            }
            #expect(try repo.generationNames(environment: env).keys.sorted() == ["b@1"])
            #expect(try Self.packCount(repo, copy) == finalPacks, "kill after \(delay)s")
            #expect(try repo.kura(arguments: ["check", "--read-data"], environment: env).status == 0)
            try? FileManager.default.removeItem(atPath: copy)
        }
        #expect(states.count >= 3, "the kills caught the erase part-way: \(states)")
    }
}
