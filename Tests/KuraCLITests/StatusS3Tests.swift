import Foundation
import KuraTestSupport
import Testing

/// Status and runbook with a policy whose second repository is on a real SeaweedFS server.
@Suite struct StatusS3Tests {
    @Test func anS3CopyIsJudgedAndItsRunbookCommandsWork() throws {
        let server = try SeaweedServer()
        let repo = try RepositoryScratch()
        let bucket = "s3://kura-status-\(UInt32.random(in: 0...UInt32.max))/copy"
        let credentials = ["AWS_ACCESS_KEY_ID": SeaweedServer.accessKey, "AWS_SECRET_ACCESS_KEY": SeaweedServer.secretKey]
        let created = try repo.kura(arguments: ["init", "--repo", bucket, "--s3-endpoint", server.endpoint,
                                                "--kdf-iterations", "1", "--kdf-memory", "8"], environment: credentials)
        #expect(created.status == 0, "\(created.stderr)")
        try repo.writeRandom("data/db/table.bin", size: 100_000, seed: 9)
        let config = try repo.scratch.write("kura.toml", """
            [repository.main]
            location = "\(repo.path("repo"))"
            password-file = "\(repo.path("password"))"

            [repository.offsite]
            location = "\(bucket)"
            password-file = "\(repo.path("password"))"
            s3-endpoint = "\(server.endpoint)"

            [subject.db]
            paths = ["\(repo.path("data/db"))"]
            rpo = "1h"
            repositories = ["main", "offsite"]
            """)
        var environment = StatusPolicyTests.at("2030-03-01T00:00:00Z", config).merging(credentials) { $1 }
        for arguments in [["backup", "--subject", "db"], ["backup", "--subject", "db", "--repo", "offsite"]] {
            let backup = try repo.kura(arguments: arguments, environment: environment)
            #expect(backup.status == 0, "\(arguments): \(backup.stderr)")
        }
        environment["KURA_TEST_NOW"] = "2030-03-01T00:20:00Z"
        let status = try repo.kura(arguments: ["status", "--json"], environment: environment)
        #expect(status.status == 0, "\(status.stderr)")
        let document = try StatusPolicyTests.json(status)
        let copies = try #require((document["subjects"] as? [[String: Any]])?.first?["repositories"] as? [[String: Any]])
        #expect(copies.compactMap { $0["rpo_state"] as? String } == ["ok", "ok"])
        #expect(copies.compactMap { $0["location"] as? String } == [repo.path("repo"), bucket])

        let refused = try repo.kura(arguments: ["status"], environment: environment.merging(["AWS_SECRET_ACCESS_KEY": "wrong"]) { $1 })
        #expect(refused.status == 3, "\(refused.output)")
        #expect(refused.stderr.hasPrefix("kura: repository offsite (\(bucket)) cannot be read: "), "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1)

        let runbook = try repo.kura(arguments: ["runbook", "--restore-root", repo.path("restores")], environment: environment)
        #expect(runbook.status == 0, "\(runbook.stderr)")
        let fallback = try #require(runbook.output.range(of: "If `main` is unavailable: restore from `offsite`"))
        let commands = runbook.output[fallback.upperBound...].split(separator: "\n").map(String.init)
            .filter { $0.hasPrefix("kura restore") || $0.hasPrefix("mkdir ") }
        #expect(commands.count == 2 && commands[1].contains("--s3-endpoint \(server.endpoint)"), "\(commands)")
        let kuraFolder = (Tools.kura as NSString).deletingLastPathComponent
        for command in commands {
            // Credentials come from the environment, as for every S3 command; nothing else is needed.
            let run = try repo.scratch.run("/usr/bin/env", ["-i", "PATH=\(kuraFolder):/usr/bin:/bin", "HOME=\(repo.path(""))",
                                                           "AWS_ACCESS_KEY_ID=\(SeaweedServer.accessKey)",
                                                           "AWS_SECRET_ACCESS_KEY=\(SeaweedServer.secretKey)",
                                                           "/bin/sh", "-c", command])
            #expect(run.status == 0, "\(command): \(run.stderr)")
        }
        let original = try TreeSnapshot.take(repo.path("data/db"))
        let restored = try TreeSnapshot.take(repo.path("restores/db") + repo.path("data/db"))
        #expect(original == restored, "\(TreeSnapshot.differences(original, restored))")
    }
}
