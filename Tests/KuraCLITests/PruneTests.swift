import Foundation
import KuraTestSupport
import Testing

/// `kura prune` with the real binary: space is freed, everything kept restores byte for byte,
/// concurrent backups lose nothing, and SIGKILL at any moment leaves a repository check accepts.
@Suite(.serialized) struct PruneTests {
    // writeRandom uses `seed | 1`: seeds here are odd and distinct, so no two files are equal.

    /// Three generations of a folder where each changes some files: after keeping only the
    /// last, generation 1's pack is partly used (repack) and generation 2's unused (delete).
    static func threeGenerations(_ made: RepositoryScratch? = nil) throws -> (RepositoryScratch, [String: String]) {
        let repo = try made ?? RepositoryScratch(createdAt: "2024-12-01T00:00:00Z")
        for index in 0..<4 { try repo.writeRandom("data/f\(index)", size: 1_000_000, seed: UInt64(2 * index + 11)) }
        #expect(try repo.backup("s", repo.path("data"), at: "2025-01-01T00:00:00Z").status == 0)
        try repo.writeRandom("data/f0", size: 1_000_000, seed: 101)
        #expect(try repo.backup("s", repo.path("data"), at: "2025-01-02T00:00:00Z").status == 0)
        try repo.writeRandom("data/f0", size: 1_000_000, seed: 203)
        try repo.writeRandom("data/f1", size: 1_000_000, seed: 205)
        #expect(try repo.backup("s", repo.path("data"), at: "2025-01-03T00:00:00Z").status == 0)
        try repo.writeRandom("other/g", size: 500_000, seed: 301)
        #expect(try repo.backup("t", repo.path("other"), at: "2025-01-01T00:00:00Z").status == 0)
        let contents = try GenerationContents.of(repo.path("data"))
        return (repo, contents)
    }

    static func dataSize(_ repo: RepositoryScratch, _ repository: String? = nil) throws -> Int {
        // Hidden temporary files of interrupted writes are not objects (docs/FORMAT.md).
        try repo.objectListing(repository ?? repo.path("repo"))
            .filter { $0.key.hasPrefix("data/") && !($0.key.split(separator: "/").last ?? "").hasPrefix(".") }
            .values.reduce(0, +)
    }

    @Test func pruneFreesSpaceAndEverythingStillRestores() throws {
        let (repo, latest) = try Self.threeGenerations()
        let other = try GenerationContents.of(repo.path("other"))
        #expect(try repo.kura("forget", "--subject", "s", "--keep-last", "1").status == 0)
        let before = try Self.dataSize(repo)
        let dryRun = try repo.kura("prune", "--dry-run", "--json")
        #expect(dryRun.status == 0, "\(dryRun.stderr)")
        #expect(try Self.dataSize(repo) == before, "dry-run deletes nothing")
        let planned = jsonObject(dryRun)
        let result = try repo.kura("prune", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let report = jsonObject(result)
        #expect(report["unused_packs_deleted"] as? Int == 1, "\(report)")
        #expect(report["repacked_packs"] as? Int == 1, "\(report)")
        #expect(planned["unused_packs_deleted"] as? Int == 1 && planned["repacked_packs"] as? Int == 1, "\(planned)")
        let after = try Self.dataSize(repo)
        // Two old versions of f0 and one of f1 (3 MB) are gone.
        #expect(before - after > 2_800_000, "\(before) → \(after)")
        #expect((report["bytes_freed"] as? Int).map { abs($0 - (before - after)) < 4096 } == true, "\(report)")
        let check = try repo.kura("check", "--read-data")
        #expect(check.status == 0, "\(check.output) \(check.stderr)")
        #expect(!check.stderr.contains("not in any index"), "\(check.stderr)")
        #expect(try repo.restoredContents("s@3", source: repo.path("data")) == latest)
        #expect(try repo.restoredContents("t@1", source: repo.path("other")) == other)
        let audit = try repo.kura("audit", "log")
        #expect(audit.output.contains("forget") && audit.output.contains("count=2"), "\(audit.output)")
        #expect(audit.output.contains("prune") && audit.output.contains("packs repacked=1"), "\(audit.output)")
        #expect(try repo.kura("audit", "verify").status == 0)
        // A second prune finds nothing left to do.
        let again = jsonObject(try repo.kura("prune", "--json"))
        #expect(again["bytes_freed"] as? Int == 0, "\(again)")
        let text = try repo.kura("prune")
        #expect(text.status == 0 && text.output.contains("freed 0 B"), "\(text.output)")
    }

    @Test func maxUnusedLeavesPartlyUsedPacksAlone() throws {
        let (repo, latest) = try Self.threeGenerations()
        #expect(try repo.kura("forget", "--keep-last", "1", "--prune", "--max-unused", "100%").status == 0)
        let report = jsonObject(try repo.kura("prune", "--max-unused", "0", "--json"))
        #expect(report["repacked_packs"] as? Int == 1, "the 100% run left the partly used pack: \(report)")
        #expect(try repo.kura("check", "--read-data").status == 0)
        #expect(try repo.restoredContents("s@3", source: repo.path("data")) == latest)
    }

    /// A backup that deduplicates against a blob in a pack prune marked as unused, and
    /// finishes while prune's mark phase runs: the sweep keeps that pack.
    @Test func backupDuringPruneLosesNothing() throws {
        let repo = try RepositoryScratch()
        try repo.writeRandom("a/x", size: 3_000_000, seed: 7)
        #expect(try repo.backup("a", repo.path("a"), at: "2025-01-01T00:00:00Z").status == 0)
        try FileManager.default.removeItem(atPath: repo.path("a/x"))
        try repo.writeRandom("a/y", size: 100_000, seed: 9)
        #expect(try repo.backup("a", repo.path("a"), at: "2025-01-02T00:00:00Z").status == 0)
        #expect(try repo.kura("forget", "--keep-last", "1").status == 0)
        // b holds a copy of x (deduplicated against a@1's now unused pack) and much more.
        try repo.writeRandom("b/x", size: 3_000_000, seed: 7)
        for index in 0..<6 { try repo.writeRandom("b/big\(index)", size: 12_000_000, seed: UInt64(51 + 2 * index)) }
        let expected = try GenerationContents.of(repo.path("b"))

        let backup = try repo.scratch.start(Tools.kura, ["backup", "--subject", "b", repo.path("b")], environment: repo.environment)
        let locks = repo.path("repo/locks")
        let deadline = Date().addingTimeInterval(30)
        while ((try? FileManager.default.contentsOfDirectory(atPath: locks)) ?? []).isEmpty, Date() < deadline { usleep(2000) }
        let prune = try repo.kura("prune", "--json")
        backup.waitUntilExit()
        #expect(backup.terminationStatus == 0)
        #expect(prune.status == 0, "\(prune.stderr)")
        let report = jsonObject(prune)
        #expect(report["kept_for_new_generations"] as? Int == 1, "the sweep saw b@1's use of x: \(report)")
        let check = try repo.kura("check", "--read-data")
        #expect(check.status == 0, "\(check.output) \(check.stderr)")
        #expect(try repo.restoredContents("b@1", source: repo.path("b")) == expected)
    }

    /// SIGKILL at many moments of a prune that deletes and repacks a lot; after each, check
    /// with read-data passes and every generation restores; then a prune completes.
    @Test func sigkillDuringPruneLosesNothing() throws {
        let repo = try RepositoryScratch()
        let source = repo.path("data")
        var expected: [Int: [String: String]] = [:]
        var random: UInt64 = 0x9E37_79B9
        // 24 generations of 12 files; each rewrites 4 files picked at random, so many packs
        // end up partly used by the generations kept.
        for round in 1...24 {
            var changed: Set<Int> = round == 1 ? Set(0..<12) : []
            while changed.count < 4 {
                random ^= random << 13; random ^= random >> 7; random ^= random << 17
                changed.insert(Int(random % 12))
            }
            for index in changed {
                try repo.writeRandom("data/f\(index)", size: 1_000_000, seed: UInt64(round * 100 + 2 * index + 1))
            }
            #expect(try repo.backup("s", source, at: String(format: "2025-02-%02dT12:00:00Z", round)).status == 0)
            expected[round] = try GenerationContents.of(source)
        }
        #expect(try repo.kura("forget", "--keep-last", "3", "--keep-monthly", "2").status == 0)
        let kept = try repo.generationNames().keys.sorted()
        #expect(kept == ["s@1", "s@22", "s@23", "s@24"], "the oldest is kept by monthly 2: \(kept)")
        let pristine = repo.path("pristine")
        #expect(try repo.shell("cp -a '\(repo.path("repo"))' '\(pristine)'").status == 0)

        // How long a whole prune takes here, to spread the kills over it.
        let timing = repo.path("timing")
        #expect(try repo.shell("cp -a '\(pristine)' '\(timing)'").status == 0)
        let started = Date()
        // Each write and deletion is followed by a pause, so kills fall between all of prune's steps.
        let slow = ["KURA_TEST_PRUNE_STEP_PAUSE": "0.02"]
        let full = try repo.kura(arguments: ["prune", "--max-unused", "0%", "--json"], environment: slow.merging(["KURA_REPOSITORY": timing]) { $1 })
        let duration = Date().timeIntervalSince(started)
        #expect(full.status == 0, "\(full.stderr)")
        let fullReport = jsonObject(full)
        #expect((fullReport["unused_packs_deleted"] as? Int ?? 0) >= 5 && (fullReport["repacked_packs"] as? Int ?? 0) >= 3, "\(fullReport)")
        let start = try repo.objectListing(pristine).keys.filter { !$0.hasPrefix("locks/") }
        let end = try repo.objectListing(timing).keys.filter { !$0.hasPrefix("locks/") }

        let rounds = 14
        var states: [String] = []
        for round in 0..<rounds {
            let copy = repo.path("kill\(round)")
            #expect(try repo.shell("cp -a '\(pristine)' '\(copy)'").status == 0)
            let env = ["KURA_REPOSITORY": copy]
            let delay = duration * 1.1 * Double(round) / Double(rounds - 1)
            let prune = try repo.scratch.start(Tools.kura, ["prune", "--max-unused", "0%"],
                                               environment: repo.environment.merging(env) { $1 }.merging(slow) { $1 })
            usleep(UInt32(delay * 1_000_000))
            kill(prune.processIdentifier, SIGKILL)
            prune.waitUntilExit()
            // Where the kill landed: objects added (new packs, index) and removed so far.
            let now = try repo.objectListing(copy).keys.filter { !$0.hasPrefix("locks/") }
            let added = now.filter { !start.contains($0) }.count, removed = start.filter { !now.contains($0) }.count
            states.append("+\(added)/-\(removed)")

            let check = try repo.kura(arguments: ["check", "--read-data"], environment: env)
            #expect(check.status == 0, "kill after \(delay)s: \(check.output) \(check.stderr)")
            for name in kept {
                let number = name.split(separator: "@").last.flatMap { Int($0) } ?? 0
                #expect(try repo.restoredContents(name, source: source, environment: env) == expected[number],
                        "kill after \(delay)s: \(name)")
            }
            let complete = try repo.kura(arguments: ["prune", "--max-unused", "0%"], environment: env)
            #expect(complete.status == 0, "\(complete.stderr)")
            let final = try repo.kura(arguments: ["check", "--read-data"], environment: env)
            #expect(final.status == 0 && !final.stderr.contains("not in any index"), "kill after \(delay)s: \(final.stderr)")
            let sizes = (try Self.dataSize(repo, copy), try Self.dataSize(repo, timing))
            #expect(abs(sizes.0 - sizes.1) < 100_000, "kill after \(delay)s: the completing prune frees as much: \(sizes)")
            try? FileManager.default.removeItem(atPath: copy)
        }
        // The kills must have caught prune part-way, not only before it began or after it ended.
        let finished = "+\(end.filter { !start.contains($0) }.count)/-\(start.filter { !end.contains($0) }.count)"
        let partWay = Set(states).subtracting(["+0/-0", finished])
        #expect(partWay.count >= 4, "states reached: \(states)")
        print("prune of \(fullReport["packs"] ?? 0) packs took \(String(format: "%.2f", duration)) s; kills left \(states)")
    }

    /// The same on a real S3 server (SeaweedFS): prune frees the packs, a prune killed part-way
    /// leaves a repository check accepts, and everything still restores.
    @Test func pruneOnS3() throws {
        let server = try SeaweedServer()
        let scratch = try RepositoryScratch(repository: "s3://kura-prune-\(UInt32.random(in: 0...UInt32.max))/r",
                                            environment: server.environment)
        let (repo, latest) = try Self.threeGenerations(scratch)
        #expect(try repo.kura("forget", "--subject", "s", "--keep-last", "1").status == 0)
        let killed = try repo.scratch.start(Tools.kura, ["prune"], environment: repo.environment.merging(["KURA_TEST_PRUNE_STEP_PAUSE": "0.3"]) { $1 })
        usleep(1_500_000)
        kill(killed.processIdentifier, SIGKILL)
        killed.waitUntilExit()
        let check = try repo.kura("check", "--read-data")
        #expect(check.status == 0, "\(check.output) \(check.stderr)")
        #expect(try repo.restoredContents("s@3", source: repo.path("data")) == latest)
        let result = try repo.kura("prune", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let after = jsonObject(try repo.kura("prune", "--dry-run", "--json"))
        #expect(after["packs"] as? Int == 3 && after["bytes_freed"] as? Int == 0, "s@3's two packs and t@1's: \(after)")
        #expect(try repo.kura("check", "--read-data").status == 0)
        #expect(try repo.restoredContents("s@3", source: repo.path("data")) == latest)
    }

    /// Prune stops before deleting anything when it cannot know what is used.
    @Test(arguments: ["flip-generation", "delete-pack"]) func damagedRepositoryIsRefused(damage: String) throws {
        let (repo, _) = try Self.threeGenerations()
        #expect(try repo.kura("forget", "--subject", "s", "--keep-last", "1").status == 0)
        let objects = { (kind: String) in
            try repo.objectListing(repo.path("repo")).keys.filter { $0.hasPrefix(kind + "/") && !$0.contains("/.") }.sorted()
        }
        switch damage {
        case "flip-generation":
            let path = repo.path("repo/" + (try objects("generations")[0]))
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            bytes[40] ^= 1
            try FileManager.default.removeItem(atPath: path)
            try bytes.write(to: URL(fileURLWithPath: path))
        default:
            try FileManager.default.removeItem(atPath: repo.path("repo/" + (try objects("data")[0])))
        }
        let before = try repo.objectListing(repo.path("repo")).filter { !$0.key.hasPrefix("locks/") }
        let result = try repo.kura("prune")
        #expect(result.status == 13, "\(damage): \(result.stderr)")
        #expect(result.stderr.hasPrefix("kura: prune stopped before deleting anything") && result.stderr.contains("kura check"),
                "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(try repo.objectListing(repo.path("repo")).filter { !$0.key.hasPrefix("locks/") } == before)
    }

    @Test func badInput() throws {
        let repo = try RepositoryScratch()
        for value in ["-1", "101%", "lots", "nan"] {
            let result = try repo.kura("prune", "--max-unused", value)
            #expect(result.status == 2, "\(value): \(result.stderr)")
        }
        let missing = try repo.kura(arguments: ["prune"], environment: ["KURA_REPOSITORY": repo.path("nowhere")])
        #expect(missing.status == 10)
    }
}
