import Foundation
import KuraTestSupport
import Testing

/// The real kura binary on a real SeaweedFS S3 server (authentication on).
@Suite struct S3RepositoryTests {
    static func repository(_ server: SeaweedServer, extra: [String: String] = [:]) throws -> RepositoryScratch {
        try RepositoryScratch(repository: "s3://kura-cli-\(UInt32.random(in: 0...UInt32.max))/hosts/test",
                              environment: server.environment.merging(extra) { $1 })
    }

    @Test func everythingThatWorksLocallyWorksOnS3() throws {
        let server = try SeaweedServer()
        // Small parts, so packs go up as multipart uploads.
        let repo = try Self.repository(server, extra: ["KURA_S3_MULTIPART_THRESHOLD": "6000000", "KURA_S3_PART_SIZE": "5242880"])
        let root = try BackupRestoreTests.makeTree(repo)
        try repo.writeRandom("source/big.bin", size: 20_000_000, seed: 7)
        let backup = try repo.kura("backup", "--subject", "docs", root)
        #expect(backup.status == 0, "\(backup.stderr)")
        try repo.writeRandom("source/docs/added.bin", size: 300_000, seed: 8)
        #expect(try repo.kura("backup", "--subject", "docs", root).status == 0)
        #expect(try repo.kura("generations").output.contains("docs@2"))
        #expect(try repo.kura("diff", "docs@1", "docs@2").output.contains("+    \(root)/docs/added.bin"))

        let restore = try repo.kura("restore", "docs@latest", "--target", repo.path("restored"), "--verify")
        #expect(restore.status == 0, "\(restore.stderr)")
        let original = try TreeSnapshot.take(root)
        let restored = try TreeSnapshot.take(repo.path("restored") + root)
        #expect(original == restored, "\(TreeSnapshot.differences(original, restored))")
        let check = try repo.kura("check", "--read-data")
        #expect(check.status == 0, "\(check.output) \(check.stderr)")
        #expect(try repo.kura("unlock").output.contains("0 live lock(s)"))
    }

    @Test func wrongCredentialsAndMissingBucketsAreClearErrors() throws {
        let server = try SeaweedServer()
        let repo = try Self.repository(server)
        let wrong = try repo.kura(arguments: ["generations"], environment: ["AWS_SECRET_ACCESS_KEY": "wrong-secret"])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("refused access") && wrong.stderr.contains("kuratest")
                && wrong.stderr.contains("AWS_ACCESS_KEY_ID"), "\(wrong.stderr)")
        #expect(wrong.stderr.split(separator: "\n").count == 1)

        let missing = try repo.kura(arguments: ["generations"], environment: ["KURA_REPOSITORY": "s3://no-such-bucket-here/x"])
        #expect(missing.status == 10 && missing.stderr.contains("no Kura repository"), "\(missing.stderr)")

        let anonymous = try repo.kura(arguments: ["generations"], environment: [
            "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"])
        #expect(anonymous.status == 2 && anonymous.stderr.contains("no S3 credentials"), "\(anonymous.stderr)")

        let plain = try repo.kura(arguments: ["generations"], environment: ["KURA_REPOSITORY": "s3:http://backup.example/bucket/x"])
        #expect(plain.status == 2 && plain.stderr.contains("refusing plain HTTP"), "\(plain.stderr)")
    }

    /// The server dies in the middle of a backup: a clear error within the retry budget, no
    /// damage, and after a restart the next backup completes and check passes.
    @Test func serverKilledDuringBackup() throws {
        let server = try SeaweedServer()
        let repo = try Self.repository(server, extra: ["KURA_S3_RETRY_SECONDS": "4", "KURA_S3_TIMEOUT": "5"])
        for index in 0..<24 { try repo.writeRandom("data/f\(index)", size: 8_000_000, seed: UInt64(index + 1)) }
        let backup = try repo.scratch.start(Tools.kura, ["backup", "--subject", "s", repo.path("data")],
                                            environment: repo.environment)
        usleep(300_000)
        server.stop(kill: true)
        backup.waitUntilExit()
        #expect(backup.terminationStatus != 0, "the backup claims success with the server gone")

        // A restarted SeaweedFS answers 500 for a few seconds while it reloads its volumes:
        // from here on the default retry budget rides that out, as it would for an admin.
        try server.start()
        let patient = ["KURA_S3_RETRY_SECONDS": "120"]
        let retried = try repo.kura(arguments: ["backup", "--subject", "s", repo.path("data")], environment: patient)
        #expect(retried.status == 0, "\(retried.stderr)")
        let check = try repo.kura(arguments: ["check", "--read-data"], environment: patient)
        #expect(check.status == 0, "\(check.output) \(check.stderr)")
        let restore = try repo.kura(arguments: ["restore", "s@latest", "--target", repo.path("out"), "--verify"],
                                    environment: patient)
        #expect(restore.status == 0, "\(restore.stderr)")
    }
}
