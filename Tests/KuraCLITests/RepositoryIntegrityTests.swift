import Foundation
import Testing

/// What `check`, `audit verify` and every command do when the plaintext config, a
/// generation or drill record, or the audit log's newest entry was altered or deleted.
@Suite struct RepositoryIntegrityTests {
    static func makeWritable(_ repo: RepositoryScratch, _ folder: String) throws {
        _ = try repo.shell("chmod -R u+w '\(repo.path("repo/\(folder)"))'")
    }

    static func objects(_ repo: RepositoryScratch, _ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: repo.path("repo/\(folder)")).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// Rewrites config/config with `change` applied to its JSON.
    static func alterConfig(_ repo: RepositoryScratch, _ change: (inout [String: Any]) -> Void) throws {
        try makeWritable(repo, "config")
        let url = URL(fileURLWithPath: repo.path("repo/config/config"))
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        change(&json)
        try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]).write(to: url)
    }

    static func flipByte(_ path: String) throws {
        let url = URL(fileURLWithPath: path)
        var bytes = [UInt8](try Data(contentsOf: url))
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes).write(to: url)
    }

    static func backedUp() throws -> RepositoryScratch {
        let repo = try RepositoryScratch()
        try repo.writeRandom("data/file.bin", size: 300_000, seed: 7)
        try repo.scratch.write("data/small.txt", "contents\n")
        let backup = try repo.kura("backup", "--subject", "s", repo.path("data"))
        #expect(backup.status == 0, "\(backup.stderr)")
        return repo
    }

    // MARK: config/config

    /// Values that would trip the chunker's or the pack writer's assumptions.
    static var badConfigs: [(String, (inout [String: Any]) -> Void)] { [
        ("average 0", { $0["chunker"] = ["minimum": 262_144, "average": 0, "maximum": 4_194_304] }),
        ("average 3", { $0["chunker"] = ["minimum": 1, "average": 3, "maximum": 4_194_304] }),
        ("average = minimum", { $0["chunker"] = ["minimum": 262_144, "average": 262_144, "maximum": 4_194_304] }),
        ("maximum 0", { $0["chunker"] = ["minimum": 262_144, "average": 1_048_576, "maximum": 0] }),
        ("negative minimum", { $0["chunker"] = ["minimum": -5, "average": 1_048_576, "maximum": 4_194_304] }),
        ("maximum beyond the read buffer", { $0["chunker"] = ["minimum": 262_144, "average": 1_048_576, "maximum": 64 << 20] }),
        ("cipher none", { $0["blobCipher"] = "none" }),
        ("cipher xchacha20-poly1305", { $0["blobCipher"] = "xchacha20-poly1305" }),
        ("version 0", { $0["version"] = 0 }),
    ] }

    @Test(arguments: 0..<9) func invalidConfigIsRefusedByEveryCommand(index: Int) throws {
        let (name, change) = Self.badConfigs[index]
        let repo = try Self.backedUp()
        try Self.alterConfig(repo, change)
        for arguments in [["backup", "--subject", "s", repo.path("data")], ["check"], ["generations"]] {
            let result = try repo.kura(arguments: arguments)
            #expect(result.status == 13, "\(name): \(arguments[0]) exited \(result.status): \(result.stderr)")
            #expect(result.stderr.contains("config/config"), "\(name): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(name): \(result.stderr)")
        }
    }

    /// A config with valid values other than the ones `init` wrote: the signed `init`
    /// entry's digest no longer matches.
    @Test func alteredConfigWithValidValuesIsRefused() throws {
        let repo = try Self.backedUp()
        try Self.alterConfig(repo) {
            $0["chunker"] = ["minimum": 65_536, "average": 131_072, "maximum": 1_048_576]
            $0["blobCipher"] = ($0["blobCipher"] as? String) == "aes-256-gcm" ? "chacha20-poly1305" : "aes-256-gcm"
        }
        for arguments in [["backup", "--subject", "s", repo.path("data")], ["check"], ["audit", "verify"]] {
            let result = try repo.kura(arguments: arguments)
            #expect(result.status == 13, "\(arguments[0]) exited \(result.status): \(result.stderr)")
            #expect(result.stderr.contains("config/config"), "\(result.stderr)")
        }
    }

    @Test func intactRepositoryChecksCleanAndAuthenticatesItsConfig() throws {
        let repo = try Self.backedUp()
        let check = try repo.kura("check")
        #expect(check.status == 0, "\(check.output) \(check.stderr)")
        #expect(!check.stderr.contains("config/config"), "\(check.stderr)")
        #expect(try repo.kura("audit", "verify").status == 0)
    }

    // MARK: generation and drill records

    @Test func deletedOnlyGenerationOfASubjectIsReported() throws {
        let repo = try Self.backedUp()
        try repo.scratch.write("other/file.txt", "other\n")
        #expect(try repo.kura("backup", "--subject", "t", repo.path("other")).status == 0)
        let generations = try repo.kura("generations", "--json")
        let listed = try #require(try JSONSerialization.jsonObject(with: generations.stdout) as? [[String: Any]])
        let id = try #require(listed.first { $0["subject"] as? String == "s" }?["id"] as? String)
        try Self.makeWritable(repo, "generations")
        try FileManager.default.removeItem(atPath: repo.path("repo/generations/\(id)"))

        let check = try repo.kura("check")
        #expect(check.status == 3, "\(check.output) \(check.stderr)")
        #expect(check.output.contains("generation \(id.prefix(8))") && check.output.contains("s@1"), "\(check.output)")
        let verify = try repo.kura("audit", "verify")
        #expect(verify.status == 3, "\(verify.output) \(verify.stderr)")
        #expect(verify.stderr.contains("s@1"), "\(verify.stderr)")
    }

    @Test func forgetAndEraseDoNotMakeCheckComplain() throws {
        let repo = try Self.backedUp()
        #expect(try repo.kura("backup", "--subject", "s", repo.path("data")).status == 0)
        try repo.scratch.write("other/file.txt", "other\n")
        #expect(try repo.kura("backup", "--subject", "t", repo.path("other")).status == 0)
        let forget = try repo.kura("forget", "--keep-last", "1")
        #expect(forget.status == 0, "\(forget.stderr)")
        #expect(try Self.objects(repo, "generations").count == 2)
        let erase = try repo.kura("erase", "--subject", "t", "--yes")
        #expect(erase.status == 0, "\(erase.output) \(erase.stderr)")
        let check = try repo.kura("check")
        #expect(check.status == 0, "\(check.output) \(check.stderr)")
        let verify = try repo.kura("audit", "verify")
        #expect(verify.status == 0, "\(verify.stderr)")
    }

    static func drilled() throws -> RepositoryScratch {
        let repo = try Self.backedUp()
        let scratch = repo.path("scratch")
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let drill = try repo.kura("drill", "s", "--sample", "100%", "--scratch", scratch)
        #expect(drill.status == 0, "\(drill.output) \(drill.stderr)")
        try Self.makeWritable(repo, "drills")
        return repo
    }

    @Test func deletedDrillRecordIsReported() throws {
        let repo = try Self.drilled()
        let name = try #require(try Self.objects(repo, "drills").first)
        try FileManager.default.removeItem(atPath: repo.path("repo/drills/\(name)"))
        let check = try repo.kura("check")
        #expect(check.status == 3, "\(check.output) \(check.stderr)")
        #expect(check.output.contains("drill record \(name.prefix(8))"), "\(check.output)")
        let verify = try repo.kura("audit", "verify")
        #expect(verify.status == 3 && verify.stderr.contains("drill record \(name.prefix(8))"), "\(verify.stderr)")
    }

    @Test func damagedDrillRecordIsReported() throws {
        let repo = try Self.drilled()
        let name = try #require(try Self.objects(repo, "drills").first)
        try Self.flipByte(repo.path("repo/drills/\(name)"))
        let check = try repo.kura("check")
        #expect(check.status == 3, "\(check.output) \(check.stderr)")
        #expect(check.output.contains("drill record \(name.prefix(8))"), "\(check.output)")
    }

    // MARK: the audit log's newest entry

    @Test func damagedNewestAuditEntryIsNamedByRestoreAndDrill() throws {
        let repo = try Self.backedUp()
        try Self.makeWritable(repo, "audit")
        let newest = try #require(try Self.objects(repo, "audit").last)
        try Self.flipByte(repo.path("repo/audit/\(newest)"))

        let restore = try repo.kura("restore", "s@1", "--target", repo.path("out"))
        #expect(restore.status == 13, "\(restore.output) \(restore.stderr)")
        #expect(restore.stderr.contains(newest), "\(restore.stderr)")
        #expect(!restore.stderr.contains("try again"), "\(restore.stderr)")
        #expect(FileManager.default.contentsEqual(atPath: repo.path("out") + repo.path("data/file.bin"),
                                                  andPath: repo.path("data/file.bin")))

        let scratch = repo.path("scratch")
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let drill = try repo.kura("drill", "s", "--sample", "100%", "--scratch", scratch)
        #expect(drill.status == 13, "\(drill.output) \(drill.stderr)")
        #expect(drill.stderr.contains(newest), "\(drill.stderr)")
    }
}
