import Foundation
import Testing

/// A restore that stops (damaged data, a full disk) leaves only complete files at their final
/// names and no temporary files, says how far it got, and a rerun of the same restore finishes
/// without --overwrite.
@Suite struct RestoreInterruptionTests {
    /// Every regular file under `restored` (the restore of `source`) has exactly the source's
    /// bytes, and no temporary file is left; returns how many files are there.
    static func expectOnlyCompleteFiles(_ restored: String, source: String,
                                        sourceLocation: SourceLocation = #_sourceLocation) -> Int {
        var count = 0
        let enumerator = FileManager.default.enumerator(atPath: restored)
        while let entry = enumerator?.nextObject() as? String {
            let name = (entry as NSString).lastPathComponent
            #expect(!name.hasPrefix(".kura-restore-") || name == ".kura-restore-in-progress",
                    "temporary file left: \(entry)", sourceLocation: sourceLocation)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: restored + "/" + entry, isDirectory: &isDirectory),
                  !isDirectory.boolValue, name != ".kura-restore-in-progress" else { continue }
            count += 1
            #expect(FileManager.default.contentsEqual(atPath: restored + "/" + entry, andPath: source + "/" + entry),
                    "\(entry) is not complete", sourceLocation: sourceLocation)
        }
        return count
    }

    @Test func damagedPackLeavesNoPartialFilesAndRerunFinishes() throws {
        let repo = try RepositoryScratch()
        for index in 0..<6 { try repo.writeRandom("data/f\(index).bin", size: 1_500_000, seed: UInt64(index + 1)) }
        try repo.scratch.write("data/small.txt", "small\n")
        #expect(try repo.kura("backup", "--subject", "s", repo.path("data")).status == 0)
        let packs = try RepositoryFailureTests.objects(repo, "data")
        let damaged = try #require(packs.max { (try? Data(contentsOf: URL(fileURLWithPath: $0)).count) ?? 0 < (try? Data(contentsOf: URL(fileURLWithPath: $1)).count) ?? 0 })
        let original = try Data(contentsOf: URL(fileURLWithPath: damaged))
        try RepositoryFailureTests.modify(damaged) { $0[$0.count / 2] ^= 0x40 }

        let out = repo.path("out")
        let failed = try repo.kura("restore", "s@1", "--target", out)
        #expect(failed.status == 13, "\(failed.stderr)")
        #expect(failed.stderr.contains("file(s) were restored"), "says how far it got: \(failed.stderr)")
        let source = repo.path("data")
        let present = Self.expectOnlyCompleteFiles(out + source, source: source)
        #expect(present < 7, "a file of the damaged pack is absent")

        try original.write(to: URL(fileURLWithPath: damaged))
        let rerun = try repo.kura("restore", "s@1", "--target", out, "--verify")
        #expect(rerun.status == 0, "the rerun is not refused for what the stopped run left: \(rerun.stderr)")
        #expect(Self.expectOnlyCompleteFiles(out + source, source: source) == 7)
        #expect(!FileManager.default.fileExists(atPath: out + "/.kura-restore-in-progress"), "the marker is removed")
        #expect(try repo.kura("restore", "s@1", "--target", out).status == 1, "a finished restore is not repeated without --overwrite")
    }

    @Test func fullDiskLeavesNoPartialFilesAndRerunFinishes() throws {
        let repo = try RepositoryScratch()
        for index in 0..<4 { try repo.writeRandom("data/f\(index).bin", size: 1_000_000, seed: UInt64(index + 20)) }
        #expect(try repo.kura("backup", "--subject", "s", repo.path("data")).status == 0)
        let small = repo.path("small")
        try FileManager.default.createDirectory(atPath: small, withIntermediateDirectories: true)
        guard try repo.shell("mount -t tmpfs -o size=2500k kura-test '\(small)'").status == 0 else { return }
        defer { _ = try? repo.shell("umount '\(small)'") }

        let failed = try repo.kura("restore", "s@1", "--target", small)
        #expect(failed.status == 1, "\(failed.stderr)")
        #expect(failed.stderr.contains("space"), "\(failed.stderr)")
        let source = repo.path("data")
        #expect(Self.expectOnlyCompleteFiles(small + source, source: source) < 4)

        #expect(try repo.shell("mount -o remount,size=20m '\(small)'").status == 0)
        let rerun = try repo.kura("restore", "s@1", "--target", small)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(Self.expectOnlyCompleteFiles(small + source, source: source) == 4)
    }

    @Test func overwriteKeepsTheOldFileUntilTheNewOneIsComplete() throws {
        let repo = try RepositoryScratch()
        try repo.writeRandom("data/big.bin", size: 3_000_000, seed: 5)
        #expect(try repo.kura("backup", "--subject", "s", repo.path("data")).status == 0)
        let out = repo.path("out")
        let old = out + repo.path("data") + "/big.bin"
        try repo.scratch.write("out" + repo.path("data") + "/big.bin", "the old version\n")
        for pack in try RepositoryFailureTests.objects(repo, "data") { try RepositoryFailureTests.modify(pack) { $0[$0.count / 2] ^= 1 } }
        let failed = try repo.kura("restore", "s@1", "--target", out, "--overwrite")
        #expect(failed.status == 13, "\(failed.stderr)")
        #expect(FileManager.default.contents(atPath: old) == Data("the old version\n".utf8))
    }
}
