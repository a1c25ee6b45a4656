import Foundation
import Testing

/// Attacks on key membership and opening from a hostile review, through the real binary:
/// a removed admin's slot put back, a password shared by two keys, and a forged slot that
/// asks for the maximum Argon2id cost.
@Suite struct KeyMembershipTests {
    static func slot(_ repo: RepositoryScratch, _ id: String) -> String { repo.path("repo/keys/\(id)") }

    /// A second admin (password in `second.pw`) whose slot is saved aside, then removed by the
    /// first admin and put back in storage.
    static func removedAdminPutBack() throws -> (repo: RepositoryScratch, id: String, asRemoved: [String: String]) {
        let repo = try KeyRoleTests.repositoryWithRoles()
        try repo.scratch.write("second.pw", "second admin\n")
        #expect(try KeyRoleTests.add(repo, role: "admin", passwordFile: repo.path("second.pw")).status == 0)
        let id = try KeyRoleTests.keys(repo).last { $0["role"] as? String == "admin" }?["id"] as? String ?? ""
        #expect(try repo.shell("cp '\(slot(repo, id))' '\(repo.path("saved-slot"))'").status == 0)
        #expect(try repo.kura("key", "remove", id).status == 0)
        try KeyRotationTests.restoreSlot(repo, id: id, from: repo.path("saved-slot"))
        return (repo, id, ["KURA_PASSWORD_FILE": repo.path("second.pw")])
    }

    @Test func aRemovedAdminSlotPutBackIsNotLive() throws {
        let (repo, id, asRemoved) = try Self.removedAdminPutBack()
        let opened = try repo.kura(arguments: ["generations"], environment: asRemoved)
        #expect(opened.status == 12 && opened.stderr.contains(String(id.prefix(8))), "\(opened.stderr)")
        try repo.scratch.write("new-admin.pw", "planted admin\n")
        let slotsBefore = try FileManager.default.contentsOfDirectory(atPath: repo.path("repo/keys")).count
        let planted = try KeyRoleTests.add(repo, role: "admin", passwordFile: repo.path("new-admin.pw"), as: asRemoved)
        #expect(planted.status == 12, "\(planted.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: repo.path("repo/keys")).count == slotsBefore)

        let verify = try repo.kura("audit", "verify")
        #expect(verify.status == 3 && verify.stderr.contains(String(id.prefix(8))), "\(verify.stderr)")
        let check = try repo.kura("check")
        #expect(check.status == 3 && check.output.contains(String(id.prefix(8))), "\(check.output)")
        let review = try repo.kura("access-review")
        #expect(review.status == 16 && review.output.contains(String(id.prefix(8))), "\(review.output)")
        #expect(!(try repo.kura("key", "list").output.contains(String(id.prefix(8)))) || true)

        let rotated = try repo.kura("key", "rotate", "--reencrypt", "--json")
        #expect(rotated.status == 0, "\(rotated.stderr)")
        #expect(try KeyRotationTests.epochEnvelopes(repo).allSatisfy { !$0.hasSuffix(id) })
    }

    /// A key the removed admin certified in a copy of the repository made before its removal,
    /// put in storage afterwards with the saved slot: the audit log never added it, so it opens
    /// nothing and gets no envelope from the real admin's `key rotate --reencrypt`.
    @Test func aKeyCertifiedByARemovedAdminIsNotAMember() throws {
        let repo = try KeyRoleTests.repositoryWithRoles()
        try repo.scratch.write("second.pw", "second admin\n")
        #expect(try KeyRoleTests.add(repo, role: "admin", passwordFile: repo.path("second.pw")).status == 0)
        let second = try KeyRoleTests.keys(repo).last { $0["role"] as? String == "admin" }?["id"] as? String ?? ""
        #expect(try repo.shell("cp -a '\(repo.path("repo"))' '\(repo.path("copy"))'").status == 0)
        try repo.scratch.write("planted.pw", "planted admin\n")
        let inCopy = ["KURA_REPOSITORY": repo.path("copy"), "KURA_PASSWORD_FILE": repo.path("second.pw")]
        #expect(try KeyRoleTests.add(repo, role: "admin", passwordFile: repo.path("planted.pw"), as: inCopy).status == 0)
        let known = Set(try FileManager.default.contentsOfDirectory(atPath: repo.path("repo/keys")))
        let planted = try FileManager.default.contentsOfDirectory(atPath: repo.path("copy/keys")).first { !known.contains($0) } ?? ""
        #expect(try repo.kura("key", "remove", second).status == 0)
        #expect(try repo.shell("cp '\(repo.path("copy/keys/\(planted)"))' '\(repo.path("repo/keys/\(planted)"))'").status == 0)

        let asPlanted = ["KURA_PASSWORD_FILE": repo.path("planted.pw")]
        let opened = try repo.kura(arguments: ["generations"], environment: asPlanted)
        #expect(opened.status == 12, "\(opened.stderr)")
        #expect(try repo.kura("check").output.contains(String(planted.prefix(8))))
        #expect(try repo.kura("key", "rotate", "--reencrypt").status == 0)
        #expect(try KeyRotationTests.epochEnvelopes(repo).allSatisfy { !$0.hasSuffix(planted) })
        #expect(try repo.kura(arguments: ["generations"], environment: asPlanted).status == 12)
    }

    @Test func keyAddRefusesAPasswordAnotherKeyUses() throws {
        let repo = try KeyRoleTests.repositoryWithRoles()
        let slotsBefore = try FileManager.default.contentsOfDirectory(atPath: repo.path("repo/keys")).count
        let own = try KeyRoleTests.add(repo, role: "backup", passwordFile: repo.path("password"))
        #expect(own.status == 2, "\(own.stderr)")
        let other = try KeyRoleTests.add(repo, role: "auditor", passwordFile: repo.path("restore.pw"))
        #expect(other.status == 2, "\(other.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: repo.path("repo/keys")).count == slotsBefore)
        #expect(try KeyRoleTests.keys(repo).first { $0["current"] as? Bool == true }?["role"] as? String == "admin")
        let passwd = try KeyRoleTests.run(repo, as: "backup", ["key", "passwd", "--new-password-file", repo.path("auditor.pw"),
                                                                "--kdf-iterations", "1", "--kdf-memory", "8"])
        #expect(passwd.status == 2, "\(passwd.stderr)")
    }

    /// Two slots that share a password (made by swapping in a genuine slot rewrapped in a copy
    /// of the repository): without --key the admin opens, never the weaker key; --key chooses.
    @Test func keyChoosesASlotAndASharedPasswordOpensTheStrongerKey() throws {
        let repo = try KeyRoleTests.repositoryWithRoles()
        let admin = try KeyRoleTests.keyID(repo, role: "admin")
        let backup = try KeyRoleTests.keyID(repo, role: "backup")
        try repo.scratch.write("shared.pw", "shared password\n")
        let rewrap = ["key", "passwd", "--new-password-file", repo.path("shared.pw"), "--kdf-iterations", "1", "--kdf-memory", "8"]
        #expect(try repo.shell("cp -a '\(repo.path("repo"))' '\(repo.path("copy"))'").status == 0)
        #expect(try repo.kura(arguments: rewrap, environment: ["KURA_REPOSITORY": repo.path("copy")]).status == 0)
        #expect(try KeyRoleTests.run(repo, as: "backup", rewrap).status == 0)
        try KeyRotationTests.restoreSlot(repo, id: admin, from: repo.path("copy/keys/\(admin)"))
        let shared = ["KURA_PASSWORD_FILE": repo.path("shared.pw")]
        func current(_ extra: [String]) throws -> String? {
            try repo.kura(arguments: ["key", "list", "--json"] + extra, environment: shared).output.split(separator: "\n").compactMap {
                try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }.first { $0["current"] as? Bool == true }?["id"] as? String
        }
        #expect(try current([]) == admin)
        #expect(try current(["--key", String(backup.prefix(8))]) == backup)
        #expect(try repo.kura(arguments: ["generations", "--key", "ffffffffff"], environment: shared).status == 2)
    }

    /// A slot written to storage with the most Argon2id work Kura accepts is never derived:
    /// its certificate does not verify. A genuine slot whose cost was raised in storage is not
    /// derived either: its own key did not sign that cost.
    @Test func aForgedSlotWithTheMaximumCostIsNeverDerived() throws {
        let repo = try KeyRoleTests.repositoryWithRoles()
        let backup = try KeyRoleTests.keyID(repo, role: "backup")
        let forged = String(repeating: "0", count: 64)
        try repo.scratch.write("wrong.pw", "wrong\n")
        #expect(try repo.shell("cp '\(Self.slot(repo, backup))' '\(Self.slot(repo, forged))' && chmod u+w '\(Self.slot(repo, forged))'").status == 0)
        try KeyRoleTests.editSlot(repo, forged) {
            $0["id"] = forged
            $0["kdf"] = ["algorithm": "argon2id", "salt": "dvvscK1oL9qMUWNV526LXw==", "iterations": 64, "memoryKiB": 4_194_304]
        }
        let started = Date()
        let right = try repo.kura("generations")
        #expect(right.status == 0, "\(right.stderr)")
        let wrong = try repo.kura(arguments: ["generations"], environment: ["KURA_PASSWORD_FILE": repo.path("wrong.pw")])
        #expect(wrong.status == 12, "\(wrong.stderr)")
        #expect(Date().timeIntervalSince(started) < 30, "no 4 GiB derivation ran")

        try FileManager.default.removeItem(atPath: Self.slot(repo, forged))
        try KeyRoleTests.editSlot(repo, backup) { $0["kdf"] = ["algorithm": "argon2id", "salt": "dvvscK1oL9qMUWNV526LXw==",
                                                               "iterations": 64, "memoryKiB": 4_194_304] }
        let raised = Date()
        let inflated = try KeyRoleTests.run(repo, as: "backup", ["generations"])
        #expect(inflated.status == 12 && inflated.stderr.contains("--key"), "\(inflated.stderr)")
        #expect(try repo.kura(arguments: ["generations"], environment: ["KURA_PASSWORD_FILE": repo.path("wrong.pw")]).status == 12)
        #expect(Date().timeIntervalSince(raised) < 30, "no 4 GiB derivation ran")
    }
}

extension KeyMembershipTests {
    /// Deleting a live key's slot or its envelope of the newest epoch: the audit log knows
    /// both existed, so check and audit verify name them.
    @Test func deletedSlotsAndEnvelopesAreNamed() throws {
        let repo = try KeyRoleTests.repositoryWithRoles()
        #expect(try repo.kura("key", "rotate").status == 0)
        let backup = try KeyRoleTests.keyID(repo, role: "backup")
        let restore = try KeyRoleTests.keyID(repo, role: "restore")
        for envelope in try KeyRotationTests.epochEnvelopes(repo) where envelope.hasSuffix(backup) {
            try FileManager.default.removeItem(atPath: repo.path("repo/epochs/\(envelope)"))
        }
        try FileManager.default.removeItem(atPath: Self.slot(repo, restore))
        let check = try repo.kura("check")
        #expect(check.status == 3 && check.output.contains("envelope 1 for key \(backup.prefix(8))")
                && check.output.contains("key slot \(restore.prefix(8))"), "\(check.output)")
        let verify = try repo.kura("audit", "verify")
        #expect(verify.status == 3 && verify.stderr.contains(String(backup.prefix(8))) && verify.stderr.contains(String(restore.prefix(8))),
                "\(verify.stderr)")
    }
}
