import Foundation
import KuraTestSupport
import Testing

/// `kura drill` through the real binary, on real files and repositories.
@Suite(.serialized) struct DrillTests {
    static func json(_ line: Substring) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    static func drillLines(_ result: CommandResult) throws -> [[String: Any]] {
        try result.output.split(separator: "\n").map(json).filter { $0["type"] as? String == "drill" }
    }

    static func scratchFolder(_ repo: RepositoryScratch, _ name: String = "scratch") throws -> String {
        let path = repo.path(name)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func drillPassesOnAMetadataRichTreeAndLeavesNoScratch() throws {
        let repo = try RepositoryScratch()
        let root = try BackupRestoreTests.makeTree(repo)
        #expect(try repo.kura("backup", "--subject", "docs", root).status == 0)
        let scratch = try Self.scratchFolder(repo)

        let full = try repo.kura("drill", "docs", "--sample", "100%", "--scratch", scratch, "--json")
        #expect(full.status == 0, "\(full.output) \(full.stderr)")
        let fullRecord = try #require(try Self.drillLines(full).first)
        #expect(fullRecord["passed"] as? Bool == true && (fullRecord["mismatches"] as? [String])?.isEmpty == true, "\(fullRecord)")
        #expect(fullRecord["files"] as? Int == fullRecord["total_files"] as? Int)
        #expect(fullRecord["generation"] as? String == "docs@1")
        #expect((fullRecord["bytes"] as? Int ?? 0) >= 3_000_000, "every byte re-read: \(fullRecord)")
        #expect(fullRecord["holes_checked"] as? Bool == true, "this scratch file system keeps holes")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch).isEmpty, "no scratch data left")

        let sampled = try repo.kura("drill", "docs", "--sample", "10%", "--seed", "5", "--scratch", scratch)
        #expect(sampled.status == 0, "\(sampled.output) \(sampled.stderr)")
        #expect(sampled.output.contains("result: passed") && sampled.output.contains("seed 5"), "\(sampled.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch).isEmpty)

        let listed = try repo.kura("drill", "--list", "docs", "--json")
        #expect(listed.status == 0, "\(listed.stderr)")
        let records = try #require(try JSONSerialization.jsonObject(with: listed.stdout) as? [[String: Any]])
        #expect(records.count == 2)
        #expect(records.first?["id"] as? String == fullRecord["id"] as? String)
        #expect(records.last?["seed"] as? Int == 5 && records.last?["passed"] as? Bool == true)
        let audit = try repo.kura("audit", "log")
        #expect(audit.output.components(separatedBy: "drill").count - 1 >= 2, "each drill is in the audit log: \(audit.output)")
        #expect(try repo.kura("audit", "verify").status == 0)
        let table = try repo.kura("drill", "--list")
        #expect(table.output.contains("docs@1") && table.output.contains("2 drill(s)"), "\(table.output)")
        #expect(try repo.kura("drill", "--list", "other").output.contains("0 drill(s)"))

        let kept = try repo.kura("drill", "docs", "--sample", "100%", "--scratch", scratch, "--keep-scratch", "--json")
        let keptRecord = try #require(try Self.drillLines(kept).first)
        let folder = try #require(keptRecord["scratch"] as? String)
        #expect(FileManager.default.contentsEqual(atPath: folder + root + "/docs/random.bin", andPath: root + "/docs/random.bin"))
        try repo.shell("chmod -R u+w '\(folder)' && rm -rf '\(folder)'")
    }

    @Test func corruptedPackNamesEveryDamagedFileAndExits13() throws {
        let repo = try RepositoryScratch()
        // small.txt goes into a first pack of its own, which stays intact.
        try repo.scratch.write("data/small.txt", "small\n")
        #expect(try repo.kura("backup", "--subject", "s", repo.path("data")).status == 0)
        for index in 0..<6 { try repo.writeRandom("data/f\(index).bin", size: 500_000, seed: UInt64(index * 2 + 1)) }
        #expect(link(repo.path("data/f0.bin"), repo.path("data/zz-link")) == 0)
        #expect(try repo.kura("backup", "--subject", "s", repo.path("data")).status == 0)
        let packs = try RepositoryFailureTests.objects(repo, "data")
        let sizes = packs.map { (try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int) ?? 0 }
        let largest = try #require(zip(packs, sizes).max { $0.1 < $1.1 })
        #expect(packs.count == 2 && largest.1 > 3_000_000)
        // A flipped byte every 400 kB hits each of the six 500 kB blobs, not the trees at the end.
        try RepositoryFailureTests.modify(largest.0) { bytes in
            for offset in stride(from: 1000, to: 2_900_000, by: 400_000) { bytes[offset] ^= 0x40 }
        }
        let scratch = try Self.scratchFolder(repo)
        let drill = try repo.kura("drill", "s", "--sample", "100%", "--scratch", scratch, "--json")
        #expect(drill.status == 13, "\(drill.output) \(drill.stderr)")
        let record = try #require(try Self.drillLines(drill).first)
        let mismatches = try #require(record["mismatches"] as? [String])
        let damagedFiles = Set(mismatches.filter { $0.contains(": damaged: ") }.compactMap { $0.split(separator: ":").first })
        let expected = Set((0..<6).map { repo.path("data/f\($0).bin") } + [repo.path("data/zz-link")])
        #expect(Set(damagedFiles.map(String.init)) == expected, "every damaged file named, past the first: \(mismatches)")
        #expect(mismatches.contains { $0.hasPrefix(repo.path("data/zz-link")) && $0.contains("the same file as") })
        #expect(!mismatches.contains { $0.contains("small.txt") })
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch).isEmpty, "scratch removed after a failed drill")

        let human = try repo.kura("drill", "s", "--sample", "100%", "--scratch", scratch)
        #expect(human.status == 13)
        #expect(human.output.contains("mismatch: ") && human.output.contains("FAILED"), "\(human.output)")

        let listed = try repo.kura("drill", "--list", "s", "--json")
        let records = try #require(try JSONSerialization.jsonObject(with: listed.stdout) as? [[String: Any]])
        #expect(records.count == 2 && records.allSatisfy { $0["passed"] as? Bool == false })
        #expect((records[0]["mismatches"] as? [String]) == mismatches, "the failure is recorded with its damaged files")
    }

    /// A deleted pack that held only file data (its generation's trees are in the next pack):
    /// every file with a blob in it is named, and the rest of the generation still verifies.
    @Test func deletedPackNamesEveryFileItHeld() throws {
        let repo = try RepositoryScratch()
        for index in 0..<40 { try repo.writeRandom("data/f\(index)", size: 500_000, seed: UInt64(index * 2 + 101)) }
        #expect(try repo.kura("backup", "--subject", "s", repo.path("data")).status == 0)
        let packs = try RepositoryFailureTests.objects(repo, "data")
        let sizes = packs.map { (try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int) ?? 0 }
        let full = try #require(zip(packs, sizes).max { $0.1 < $1.1 })
        #expect(packs.count == 2 && full.1 >= 16 * 1024 * 1024, "\(sizes)")
        try FileManager.default.removeItem(atPath: full.0)
        let drill = try repo.kura("drill", "s", "--sample", "100%", "--scratch", try Self.scratchFolder(repo), "--json")
        #expect(drill.status == 13, "\(drill.stderr)")
        let mismatches = try #require(try Self.drillLines(drill).first?["mismatches"] as? [String])
        #expect(mismatches.count >= 25 && mismatches.count < 40, "\(mismatches.count) of 40 files were in the deleted pack")
        #expect(mismatches.allSatisfy { $0.hasPrefix(repo.path("data/f")) && $0.hasSuffix("is missing") }, "\(mismatches)")
    }

    /// An ordinary user's drill: owners are not compared (restore cannot set them), and files
    /// and folders restored with modes that lock their owner out are still verified.
    @Test func drillAsAnOrdinaryUser() throws {
        guard geteuid() == 0, let setpriv = Tools.path(of: "setpriv") else { return }
        let repo = try RepositoryScratch()
        let root = try BackupRestoreTests.makeTree(repo)
        try repo.shell("""
            set -e; cd '\(root)'; mkdir closed; echo inside > closed/file; echo locked > locked
            chmod 000 locked closed/file; chmod 000 closed
            """)
        #expect(try repo.kura("backup", "--subject", "docs", root).status == 0)
        let scratch = try Self.scratchFolder(repo)
        try repo.shell("chown -R 65534:65534 '\(repo.path("repo"))' '\(repo.path("password"))' '\(scratch)'")
        let drill = try repo.scratch.run(setpriv, ["--reuid", "65534", "--regid", "65534", "--clear-groups", "--",
                                                   Tools.kura, "drill", "docs", "--sample", "100%", "--scratch", scratch, "--json"],
                                         environment: repo.environment)
        #expect(drill.status == 0, "\(drill.output) \(drill.stderr)")
        let record = try #require(try Self.drillLines(drill).first)
        #expect(record["passed"] as? Bool == true && record["files"] as? Int == record["total_files"] as? Int, "\(record)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch).isEmpty)
    }

    /// The same drill against a repository on a real SeaweedFS S3 server.
    @Test func drillOnS3() throws {
        let server = try SeaweedServer()
        let repo = try S3RepositoryTests.repository(server)
        let root = try BackupRestoreTests.makeTree(repo)
        #expect(try repo.kura("backup", "--subject", "docs", root).status == 0)
        let drill = try repo.kura("drill", "docs", "--sample", "50%", "--rto", "1h", "--scratch", try Self.scratchFolder(repo), "--json")
        #expect(drill.status == 0, "\(drill.output) \(drill.stderr)")
        let record = try #require(try Self.drillLines(drill).first)
        #expect(record["passed"] as? Bool == true && (record["files"] as? Int ?? 0) >= 4, "half of 7 files: \(record)")
        let listed = try JSONSerialization.jsonObject(with: try repo.kura("drill", "--list", "--json").stdout) as? [[String: Any]]
        #expect(listed?.first?["id"] as? String == record["id"] as? String)
        #expect(try repo.kura("unlock").output.contains("0 live lock(s)"))
    }

    /// Ten thousand small files: a 1% sample must extrapolate beyond a 1-second RTO, and the
    /// printed estimate, the breach flag and the exit code must agree.
    @Test func breachedRTOExits3() throws {
        let repo = try RepositoryScratch()
        let data = repo.path("many")
        for directory in 0..<50 {
            try FileManager.default.createDirectory(atPath: "\(data)/d\(directory)", withIntermediateDirectories: true)
            for file in 0..<200 {
                _ = FileManager.default.createFile(atPath: "\(data)/d\(directory)/f\(file)", contents: Data(repeating: UInt8(file), count: 1024 + file))
            }
        }
        #expect(try repo.kura("backup", "--subject", "many", data).status == 0)
        let scratch = try Self.scratchFolder(repo)
        let drill = try repo.kura("drill", "many", "--sample", "1%", "--rto", "1s", "--scratch", scratch, "--json")
        let record = try #require(try Self.drillLines(drill).first, "\(drill.stderr)")
        let estimate = try #require(record["estimated_full_seconds"] as? Double)
        #expect(estimate > 1, "a full restore of 10,000 files takes over a second here: \(record)")
        #expect(record["breaches_rto"] as? Bool == (estimate > 1))
        #expect(drill.status == (estimate > 1 ? 3 : 0), "\(drill.stderr)")
        #expect((record["files"] as? Int ?? 0) >= 100 && (record["files"] as? Int ?? 0) < 10_000)

        let relaxed = try repo.kura("drill", "many", "--sample", "1%", "--rto", "1w", "--scratch", scratch)
        #expect(relaxed.status == 0 && relaxed.output.contains("RTO 1w met"), "\(relaxed.output)")
    }

    /// With a policy: every subject in priority order, each with its own sample and RTO,
    /// unless the flags say otherwise; a subject never backed up is named and the rest go on.
    @Test func policySubjectsInPriorityOrderWithTheirSampleAndRTO() throws {
        let repo = try RepositoryScratch()
        for name in ["low", "high"] {
            for index in 0..<10 { try repo.writeRandom("\(name)/f\(index)", size: 50_000, seed: UInt64(index * 2 + 41)) }
        }
        #expect(try repo.kura("backup", "--subject", "low", repo.path("low")).status == 0)
        #expect(try repo.kura("backup", "--subject", "high", repo.path("high")).status == 0)
        try repo.scratch.write("kura.toml", """
            [repository.main]
            location = "\(repo.path("repo"))"
            password-file = "\(repo.path("password"))"

            [subject.low]
            paths = ["\(repo.path("low"))"]
            priority = 50
            rto = "1w"
            repositories = ["main"]
            drill = { every = "7d", sample = "20%" }

            [subject.high]
            paths = ["\(repo.path("high"))"]
            priority = 1
            rto = "2w"
            repositories = ["main"]
            drill = { every = "1d", sample = "100%" }

            [subject.never]
            paths = ["\(repo.path("never"))"]
            priority = 20
            repositories = ["main"]
            """)
        let environment = ["KURA_CONFIG": repo.path("kura.toml"), "KURA_REPOSITORY": "", "KURA_PASSWORD_FILE": "",
                           "KURA_TEST_NOW": "2031-02-03T04:05:06Z"]
        let scratch = try Self.scratchFolder(repo)
        let all = try repo.kura(arguments: ["drill", "--scratch", scratch, "--json"], environment: environment)
        #expect(all.status == 1, "the subject without generations fails its drill: \(all.stderr)")
        #expect(all.stderr.contains("never") && all.stderr.contains("no generations"), "\(all.stderr)")
        let drills = try Self.drillLines(all)
        #expect(drills.map { $0["subject"] as? String } == ["high", "low"], "priority order")
        #expect(drills[0]["sample"] as? Double == 1 && drills[0]["rto_seconds"] as? Double == 14 * 86_400)
        #expect(drills[1]["sample"] as? Double == 0.2 && drills[1]["rto_seconds"] as? Double == 7 * 86_400)
        #expect(drills.allSatisfy { $0["passed"] as? Bool == true })
        #expect(drills.allSatisfy { ($0["time"] as? String)?.hasPrefix("2031-02-03T04:05:06") == true }, "drills are timed by Kura's clock")

        let overridden = try repo.kura(arguments: ["drill", "low", "--sample", "50%", "--rto", "1h", "--scratch", scratch, "--json"],
                                       environment: environment)
        #expect(overridden.status == 0, "\(overridden.stderr)")
        let record = try #require(try Self.drillLines(overridden).first)
        #expect(record["sample"] as? Double == 0.5 && record["rto_seconds"] as? Double == 3600)

        let listed = try repo.kura(arguments: ["drill", "--list", "--json"], environment: environment)
        let records = try #require(try JSONSerialization.jsonObject(with: listed.stdout) as? [[String: Any]])
        #expect(records.count == 3, "\(listed.output) \(listed.stderr)")
    }

    @Test func badInputGivesOneLineAndTheRightCode() throws {
        let repo = try RepositoryScratch()
        let empty = try repo.kura("drill")
        #expect(empty.status == 1 && empty.stderr.contains("no generations"), "\(empty.stderr)")
        try repo.scratch.write("data/a", "a\n")
        #expect(try repo.kura("backup", "--subject", "s", repo.path("data")).status == 0)
        for (arguments, status) in [
            (["drill", "nosuch"], Int32(2)), (["drill", "s", "--sample", "0%"], 2), (["drill", "s", "--sample", "150%"], 2),
            (["drill", "s", "--sample", "ten"], 2), (["drill", "s", "--rto", "5x"], 2), (["drill", "s", "--rto", "0s"], 2),
            (["drill", "--generation", "1"], 2), (["drill", "s", "--generation", "0"], 2), (["drill", "s", "--generation", "9"], 1),
            (["drill", "--list", "--sample", "5%"], 2), (["drill", "s@1"], 2),
            (["drill", "s", "--scratch", repo.path("no-such-dir")], 1),
        ] {
            let result = try repo.kura(arguments: arguments)
            #expect(result.status == status, "\(arguments): \(result.status) \(result.stderr)")
            #expect(!result.stderr.isEmpty && !result.stderr.contains("Fatal error"), "\(arguments): \(result.stderr)")
        }
        let unknown = try repo.kura("drill", "nosuch")
        #expect(unknown.stderr.hasPrefix("kura: ") && unknown.stderr.contains("nosuch")
                && unknown.stderr.split(separator: "\n").count == 1, "\(unknown.stderr)")
        let listed = try JSONSerialization.jsonObject(with: try repo.kura("drill", "--list", "--json").stdout) as? [Any]
        #expect(listed?.isEmpty == true, "failed drills before the restore record nothing")
    }

    /// A scratch file system too small for the sample is refused before anything is written.
    @Test func tooLittleScratchSpaceIsRefused() throws {
        let repo = try RepositoryScratch()
        try repo.writeRandom("data/big", size: 3_000_000, seed: 4)
        #expect(try repo.kura("backup", "--subject", "s", repo.path("data")).status == 0)
        let small = try Self.scratchFolder(repo, "small")
        guard try repo.shell("mount -t tmpfs -o size=1m kura-drill-test '\(small)'").status == 0 else { return }
        defer { _ = try? repo.shell("umount '\(small)'") }
        let drill = try repo.kura("drill", "s", "--sample", "100%", "--scratch", small)
        #expect(drill.status == 1 && drill.stderr.contains("scratch space") && drill.stderr.contains("--scratch"), "\(drill.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: small).isEmpty)
        let listed = try JSONSerialization.jsonObject(with: try repo.kura("drill", "--list", "--json").stdout) as? [Any]
        #expect(listed?.isEmpty == true, "a refused drill records nothing")
    }

    /// SIGTERM and SIGINT in the middle of a drill remove the scratch data.
    @Test(arguments: [SIGTERM, SIGINT])
    func interruptedDrillRemovesItsScratch(signal number: Int32) throws {
        let repo = try RepositoryScratch()
        // Enough data that the drill is still restoring when the signal comes (restores got
        // faster; with 80 MB a loaded machine sometimes saw the drill finish first).
        for index in 0..<8 { try repo.writeRandom("data/f\(index)", size: 20_000_000, seed: UInt64(index * 2 + 21)) }
        #expect(try repo.kura("backup", "--subject", "s", repo.path("data")).status == 0)
        let scratch = try Self.scratchFolder(repo)
        let process = try repo.scratch.start(Tools.kura, ["drill", "s", "--sample", "100%", "--scratch", scratch],
                                             environment: repo.environment)
        let deadline = Date().addingTimeInterval(60)
        var sawData = false
        // Looked for in-process (a shell per look took long enough for the drill to finish).
        while process.isRunning, Date() < deadline {
            let entries = FileManager.default.enumerator(atPath: scratch)?.compactMap { $0 as? String } ?? []
            if entries.contains(where: { entry in
                guard let info = try? FileManager.default.attributesOfItem(atPath: "\(scratch)/\(entry)") else { return false }
                return info[.type] as? FileAttributeType == .typeRegular && (info[.size] as? Int ?? 0) > 1024
            }) {
                sawData = true
                break
            }
            usleep(2000)
        }
        #expect(sawData, "the drill wrote into its scratch folder")
        kill(process.processIdentifier, number)
        process.waitUntilExit()
        #expect(process.terminationStatus == 128 + number)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch).isEmpty, "scratch removed on signal \(number)")
        #expect(try repo.kura("check").status == 0)
    }
}
