import Foundation
import KuraTestSupport
import Testing

/// `kura copy` with the real binary between real repositories (local folders and SeaweedFS).
@Suite struct CopyTests {
    /// A source repository (the scratch's `repo`, password in `password`) and a destination
    /// with its own password, both with cheap Argon2id parameters.
    final class Pair {
        let source: RepositoryScratch
        let destination: String
        let destinationPassword: String

        init(destination: String? = nil, environment: [String: String] = [:]) throws {
            source = try RepositoryScratch(environment: environment)
            self.destination = destination ?? source.path("dest")
            destinationPassword = try source.scratch.write("dest-password", "another password\n")
            let created = try onDestination("init", "--kdf-iterations", "1", "--kdf-memory", "8")
            guard created.status == 0 else { throw POSIXError(.EIO) }
        }

        func path(_ name: String) -> String { source.path(name) }

        /// A command on the destination, with its password.
        @discardableResult
        func onDestination(_ arguments: String...) throws -> CommandResult {
            try source.kura(arguments: arguments + ["--repo", destination], environment: ["KURA_PASSWORD_FILE": destinationPassword])
        }

        @discardableResult
        func copy(_ extra: String..., environment: [String: String] = [:]) throws -> CommandResult {
            try source.kura(arguments: ["copy", "--from", path("repo"), "--to", destination, "--to-password-file",
                                        destinationPassword] + extra, environment: environment)
        }

        func generations(onDestination: Bool) throws -> [[String: Any]] {
            let result = onDestination ? try self.onDestination("generations", "--json") : try source.kura("generations", "--json")
            return (try JSONSerialization.jsonObject(with: result.stdout) as? [[String: Any]]) ?? []
        }
    }

    static func jsonLines(_ result: CommandResult) -> [[String: Any]] {
        result.output.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    static func summary(_ result: CommandResult) -> [String: Any] {
        jsonLines(result).last { $0["type"] as? String == "summary" } ?? [:]
    }

    static func restoreMatches(_ pair: Pair, _ generation: String, snapshot: [[UInt8]: EntryFacts], root: String,
                               into name: String) throws {
        let restore = try pair.onDestination("restore", generation, "--target", pair.path(name), "--verify")
        #expect(restore.status == 0, "\(restore.stderr)")
        let restored = try TreeSnapshot.take(pair.path(name) + root)
        #expect(snapshot == restored, "\(generation): \(TreeSnapshot.differences(snapshot, restored))")
    }

    @Test func copiesGenerationsExactlyOnceAndIncrementally() throws {
        let pair = try Pair()
        let root = try BackupRestoreTests.makeTree(pair.source)
        try pair.source.writeRandom("source/docs/big.bin", size: 6_000_000, seed: 21)
        #expect(try pair.source.kura("backup", "--subject", "docs", "--tag", "first", root).status == 0)
        let first = try TreeSnapshot.take(root)
        try pair.source.writeRandom("source/docs/added.bin", size: 400_000, seed: 22)
        try pair.source.scratch.write("source/docs/hello.txt", "changed\n")
        #expect(try pair.source.kura("backup", "--subject", "docs", root).status == 0)
        try FileManager.default.removeItem(atPath: root + "/docs/zeros")
        #expect(try pair.source.kura("backup", "--subject", "docs", "--tag", "third", root).status == 0)
        let third = try TreeSnapshot.take(root)
        #expect(try pair.source.kura("backup", "--subject", "other", root + "/docs/deep").status == 0)

        let dry = try pair.copy("--dry-run")
        #expect(dry.status == 0 && dry.output.contains("would copy docs@3") && dry.output.contains("4 generation(s) would be copied"),
                "\(dry.output) \(dry.stderr)")
        #expect(try pair.generations(onDestination: true).isEmpty, "a dry run writes no generation")

        let copy = try pair.copy("--json")
        #expect(copy.status == 0, "\(copy.stderr)")
        let copied = Self.jsonLines(copy).filter { $0["type"] as? String == "copied" }.compactMap { $0["generation"] as? String }
        #expect(copied == ["docs@1", "docs@2", "docs@3", "other@1"])
        #expect(Self.summary(copy)["stored_bytes"] as? Int ?? 0 > 6_000_000, "\(Self.summary(copy))")

        // Same records, parents mapped to the destination's copies.
        let sources = try pair.generations(onDestination: false)
        let copies = try pair.generations(onDestination: true)
        #expect(copies.count == 4)
        var copyIDs: [String: String] = [:]
        for (original, copy) in zip(sources.sorted { ($0["name"] as! String) < ($1["name"] as! String) },
                                    copies.sorted { ($0["name"] as! String) < ($1["name"] as! String) }) {
            for field in ["name", "subject", "number", "time", "host", "files", "bytes"] {
                #expect("\(original[field] ?? "")" == "\(copy[field] ?? "")", "\(field)")
            }
            #expect(original["paths"] as? [String] == copy["paths"] as? [String])
            #expect(original["tags"] as? [String] == copy["tags"] as? [String])
            #expect(original["id"] as? String != copy["id"] as? String)
            #expect(original["tree"] as? String != copy["tree"] as? String, "trees carry the destination's blob IDs")
            copyIDs[original["id"] as! String] = copy["id"] as? String
        }
        for (original, copy) in zip(sources, copies) where original["parent"] is String {
            let mapped = copies.first { $0["name"] as? String == original["name"] as? String }
            #expect(mapped?["parent"] as? String == copyIDs[original["parent"] as! String], "\(copy["name"] ?? "")")
        }

        try Self.restoreMatches(pair, "docs@1", snapshot: first, root: root, into: "out1")
        try Self.restoreMatches(pair, "docs@3", snapshot: third, root: root, into: "out3")
        let check = try pair.onDestination("check", "--read-data")
        #expect(check.status == 0, "\(check.output) \(check.stderr)")

        // Again: nothing is copied twice.
        let again = try pair.copy("--json")
        #expect(again.status == 0, "\(again.stderr)")
        #expect(Self.summary(again)["copied"] as? Int == 0 && Self.summary(again)["already_present"] as? Int == 4)
        #expect(Self.summary(again)["bytes_read"] as? Int == 0 && Self.summary(again)["stored_bytes"] as? Int == 0)
        #expect(try pair.generations(onDestination: true).count == 4)

        // A new generation: only its new blobs (and changed trees) are read.
        try pair.source.writeRandom("source/docs/deep/er/new.bin", size: 200_000, seed: 23)
        #expect(try pair.source.kura("backup", "--subject", "docs", root).status == 0)
        let fourth = try TreeSnapshot.take(root)
        let incremental = try pair.copy("--json", "--subject", "docs")
        #expect(incremental.status == 0, "\(incremental.stderr)")
        let line = try #require(Self.jsonLines(incremental).first { $0["type"] as? String == "copied" })
        #expect(line["generation"] as? String == "docs@4")
        let bytesRead = try #require(line["bytes_read"] as? Int)
        let total = try #require(line["bytes"] as? Int)
        #expect(bytesRead < 300_000, "an incremental copy read \(bytesRead) bytes of a \(total)-byte generation")
        #expect(bytesRead >= 200_000, "the new file was read")
        let firstRead = try #require(Self.jsonLines(copy).first { $0["generation"] as? String == "docs@1" }?["bytes_read"] as? Int)
        #expect(firstRead > 20 * bytesRead, "the first copy read everything (\(firstRead) bytes)")
        try Self.restoreMatches(pair, "docs@latest", snapshot: fourth, root: root, into: "out4")
    }

    @Test func copiesToS3AndRestoresFromThere() throws {
        let server = try SeaweedServer()
        let bucket = "s3://kura-copy-\(UInt32.random(in: 0...UInt32.max))/offsite"
        let pair = try Pair(destination: bucket, environment: server.environment)
        let root = try BackupRestoreTests.makeTree(pair.source)
        #expect(try pair.source.kura("backup", "--subject", "docs", root).status == 0)
        try pair.source.writeRandom("source/docs/added.bin", size: 500_000, seed: 31)
        #expect(try pair.source.kura("backup", "--subject", "docs", root).status == 0)
        let snapshot = try TreeSnapshot.take(root)

        let copy = try pair.copy()
        #expect(copy.status == 0, "\(copy.stderr)")
        #expect(copy.output.contains("copied docs@1") && copy.output.contains("copied docs@2"), "\(copy.output)")
        #expect(copy.output.contains("2 generation(s) copied, 0 already in the destination"), "\(copy.output)")
        try Self.restoreMatches(pair, "docs@2", snapshot: snapshot, root: root, into: "out")
        let check = try pair.onDestination("check", "--read-data")
        #expect(check.status == 0, "\(check.output) \(check.stderr)")
        #expect(try pair.copy().output.contains("0 generation(s) copied, 2 already in the destination"))
    }

    /// Real system data: /usr/share/doc, copied, restored from the copy, compared with the
    /// restore from the source; the copy is in the destination's audit log.
    @Test func realSystemFolderCopies() throws {
        let pair = try Pair()
        #expect(try pair.source.kura("backup", "--subject", "doc", "/usr/share/doc").status == 0)
        let copy = try pair.copy()
        #expect(copy.status == 0, "\(copy.stderr)")
        #expect(try pair.source.kura("restore", "doc@1", "--target", pair.path("from-source")).status == 0)
        let restore = try pair.onDestination("restore", "doc@1", "--target", pair.path("from-copy"), "--verify")
        #expect(restore.status == 0, "\(restore.stderr)")
        let original = try TreeSnapshot.take(pair.path("from-source") + "/usr/share/doc")
        let copied = try TreeSnapshot.take(pair.path("from-copy") + "/usr/share/doc")
        #expect(original.count > 100)
        #expect(original == copied, "\(TreeSnapshot.differences(original, copied))")
        let audit = try pair.onDestination("audit", "log")
        #expect(audit.status == 0 && audit.output.contains("copy"), "\(audit.output) \(audit.stderr)")
        #expect(try pair.onDestination("audit", "verify").status == 0)
    }

    /// A destination that fills up: a clear error, no generation, a repository check accepts.
    @Test func fullDestinationIsAClearError() throws {
        let probe = try Scratch()
        let small = probe.path("small")
        try FileManager.default.createDirectory(atPath: small, withIntermediateDirectories: true)
        guard try probe.shell("mount -t tmpfs -o size=3m kura-copy-test '\(small)'").status == 0 else { return }
        defer { _ = try? probe.shell("umount '\(small)'") }
        let pair = try Pair(destination: small + "/repo")
        try pair.source.writeRandom("data/big", size: 6_000_000, seed: 81)
        #expect(try pair.source.kura("backup", "--subject", "f", pair.path("data")).status == 0)
        let copy = try pair.copy()
        #expect(copy.status == 1 && copy.stderr.contains("no space"), "\(copy.stderr)")
        #expect(copy.stderr.hasPrefix("kura: ") && copy.stderr.split(separator: "\n").count == 1, "\(copy.stderr)")
        #expect(try pair.generations(onDestination: true).isEmpty)
        #expect(try pair.onDestination("check").status == 0, "the destination is still consistent")
    }

    /// --from and --to name repositories of the policy, each with the policy's password source.
    @Test func repositoriesByPolicyName() throws {
        let pair = try Pair()
        try pair.source.writeRandom("data/a.bin", size: 300_000, seed: 71)
        #expect(try pair.source.kura("backup", "--subject", "s", pair.path("data")).status == 0)
        let policy = try pair.source.scratch.write("kura.toml", """
            [repository.local]
            location = "\(pair.path("repo"))"
            password-file = "\(pair.path("password"))"

            [repository.offsite]
            location = "\(pair.destination)"
            password-command = "cat '\(pair.destinationPassword)'"

            [subject.s]
            paths = ["\(pair.path("data"))"]
            repositories = ["local", "offsite"]
            """)
        let environment = ["KURA_PASSWORD_FILE": "", "KURA_REPOSITORY": ""]
        let copy = try pair.source.kura(arguments: ["copy", "--config", policy, "--from", "local", "--to", "offsite"],
                                        environment: environment)
        #expect(copy.status == 0 && copy.output.contains("copied s@1"), "\(copy.output) \(copy.stderr)")
        #expect(try pair.generations(onDestination: true).count == 1)
        let unknown = try pair.source.kura(arguments: ["copy", "--config", policy, "--from", "local", "--to", "nowhere"],
                                           environment: environment)
        #expect(unknown.status == 10 && unknown.stderr.contains("nowhere"), "\(unknown.stderr)")
    }

    @Test func badInputIsRefusedClearly() throws {
        let pair = try Pair()
        try pair.source.writeRandom("data/a.bin", size: 500_000, seed: 41)
        #expect(try pair.source.kura("backup", "--subject", "s", pair.path("data")).status == 0)
        func oneLine(_ result: CommandResult) -> Bool {
            result.stderr.hasPrefix("kura: ") && result.stderr.split(separator: "\n").count == 1
        }

        try pair.source.scratch.write("wrong", "not the password\n")
        let wrong = try pair.source.kura("copy", "--from", pair.path("repo"), "--to", pair.destination,
                                         "--to-password-file", pair.path("wrong"))
        #expect(wrong.status == 12 && oneLine(wrong) && wrong.stderr.contains("destination"), "\(wrong.stderr)")

        let missing = try pair.source.kura("copy", "--from", pair.path("nowhere"), "--to", pair.destination,
                                           "--to-password-file", pair.destinationPassword)
        #expect(missing.status == 10 && oneLine(missing) && missing.stderr.contains(pair.path("nowhere")), "\(missing.stderr)")

        let same = try pair.source.kura("copy", "--from", pair.path("repo"), "--to", pair.path("repo"))
        #expect(same.status == 2 && oneLine(same), "\(same.stderr)")

        let unknown = try pair.copy("--subject", "nosuch")
        #expect(unknown.status == 1 && oneLine(unknown) && unknown.stderr.contains("nosuch"), "\(unknown.stderr)")
        let badGeneration = try pair.copy("--generation", "s@9")
        #expect(badGeneration.status == 1 && oneLine(badGeneration) && badGeneration.stderr.contains("s@9"), "\(badGeneration.stderr)")

        // The destination has its own s@1: refused by name, nothing written.
        #expect(try pair.onDestination("backup", "--subject", "s", pair.path("data")).status == 0)
        let taken = try pair.copy()
        #expect(taken.status == 1 && oneLine(taken) && taken.stderr.contains("already has s@1"), "\(taken.stderr)")
        #expect(try pair.generations(onDestination: true).count == 1)
        let dry = try pair.copy("--dry-run", "--subject", "s")
        #expect(dry.status == 1, "a dry run reports the same conflict")
    }

    @Test func damagedSourcePackStopsTheCopyCleanly() throws {
        let pair = try Pair()
        try pair.source.writeRandom("data/a.bin", size: 3_000_000, seed: 51)
        try pair.source.writeRandom("data/b.bin", size: 3_000_000, seed: 52)
        #expect(try pair.source.kura("backup", "--subject", "s", pair.path("data")).status == 0)
        let packs = try RepositoryFailureTests.objects(pair.source, "data")
        let largest = try #require(packs.max { (try? Data(contentsOf: URL(fileURLWithPath: $0)).count) ?? 0
                                               < (try? Data(contentsOf: URL(fileURLWithPath: $1)).count) ?? 0 })
        try RepositoryFailureTests.modify(largest) { $0[2_000_000] ^= 0x20 }
        let copy = try pair.copy()
        let packName = String(URL(fileURLWithPath: largest).lastPathComponent.prefix(8))
        #expect(copy.status == 13, "\(copy.stderr)")
        #expect(copy.stderr.contains("pack \(packName)") && copy.stderr.contains("source"), "\(copy.stderr)")
        #expect(copy.stderr.hasPrefix("kura: ") && copy.stderr.split(separator: "\n").count == 1)
        #expect(try pair.generations(onDestination: true).isEmpty, "no partial generation in the destination")

        // A damaged generation record is reported and skipped; the rest is copied (exit 3).
        try RepositoryFailureTests.modify(largest) { $0[2_000_000] ^= 0x20 }
        #expect(try pair.source.kura("backup", "--subject", "t", pair.path("data")).status == 0)
        let records = try RepositoryFailureTests.objects(pair.source, "generations")
        let listing = try pair.generations(onDestination: false)
        let first = try #require(listing.first { $0["name"] as? String == "s@1" }?["id"] as? String)
        let record = try #require(records.first { $0.hasSuffix(first) })
        try RepositoryFailureTests.modify(record) { $0[40] ^= 1 }
        let skipping = try pair.copy()
        #expect(skipping.status == 3, "\(skipping.stderr)")
        #expect(skipping.stderr.contains("generation \(first.prefix(8))"), "\(skipping.stderr)")
        #expect(skipping.output.contains("copied t@1"), "\(skipping.output)")
        let check = try pair.onDestination("check")
        #expect(check.status == 0, "\(check.output) \(check.stderr)")
    }

    /// SIGKILL once the copy has indexed some packs; the rerun completes, reusing them.
    @Test func killedCopyResumes() throws {
        let pair = try Pair()
        for index in 0..<12 { try pair.source.writeRandom("data/f\(index)", size: 8_000_000, seed: UInt64(60 + index)) }
        #expect(try pair.source.kura("backup", "--subject", "k", pair.path("data")).status == 0)
        let snapshot = try TreeSnapshot.take(pair.path("data"))
        let small = ["KURA_COPY_INDEX_BYTES": "4000000"]
        let process = try pair.source.scratch.start(Tools.kura, ["copy", "--from", pair.path("repo"), "--to", pair.destination,
                                                                 "--to-password-file", pair.destinationPassword],
                                                    environment: pair.source.environment.merging(small) { $1 })
        let index = pair.destination + "/index"
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning, Date() < deadline,
              ((try? FileManager.default.contentsOfDirectory(atPath: index)) ?? []).isEmpty {
            usleep(5_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(try pair.generations(onDestination: true).isEmpty, "killed before the generation was saved")
        #expect(!((try? FileManager.default.contentsOfDirectory(atPath: index)) ?? []).isEmpty)

        let rerun = try pair.copy("--json", environment: small)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let stored = try #require(Self.summary(rerun)["stored_bytes"] as? Int)
        #expect(stored < 80_000_000, "the rerun stored \(stored) bytes of 96 MB: packs written before the kill are reused")
        let check = try pair.onDestination("check", "--read-data")
        #expect(check.status == 0, "\(check.output) \(check.stderr)")
        try Self.restoreMatches(pair, "k@1", snapshot: snapshot, root: pair.path("data"), into: "out")
        #expect(try pair.onDestination("unlock").output.contains("0 live lock(s)"))
    }
}
