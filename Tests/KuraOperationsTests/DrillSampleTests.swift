import CLinux
import Foundation
import KuraEngine
import KuraOperations
import Testing

@Suite struct DrillSampleTests {
    static let units = (0..<200).map { DrillSample.Unit(key: "/data/f\($0)", bytes: Int64(1000 + $0 * 37)) }

    @Test func reachesBothTheBytesAndTheFileCountAndRepeatsWithItsSeed() {
        for fraction in [0.01, 0.1, 0.25, 0.5] {
            let sample = DrillSample.choose(from: Self.units, fraction: fraction, seed: 42)
            #expect(Double(sample.bytes) >= fraction * Double(sample.totalBytes))
            #expect(Double(sample.files) >= fraction * Double(sample.totalFiles))
            #expect(sample.files < Self.units.count, "a partial sample leaves files out")
            #expect(sample.bytes == Self.units.filter { sample.keys.contains($0.key) }.reduce(0) { $0 + $1.bytes })
            let again = DrillSample.choose(from: Self.units.reversed(), fraction: fraction, seed: 42)
            #expect(again == sample, "the same seed picks the same files whatever the walk order")
        }
        let other = DrillSample.choose(from: Self.units, fraction: 0.1, seed: 43)
        #expect(other.keys != DrillSample.choose(from: Self.units, fraction: 0.1, seed: 42).keys)
    }

    @Test func oneHugeFileStillBringsSmallFilesIntoTheSample() {
        let units = [DrillSample.Unit(key: "/huge", bytes: 10_000_000_000)]
            + (0..<1000).map { DrillSample.Unit(key: "/small/\($0)", bytes: 10_000) }
        for seed in 0..<20 as Range<UInt64> {
            let sample = DrillSample.choose(from: units, fraction: 0.1, seed: seed)
            #expect(sample.files >= 101 && Double(sample.bytes) >= 0.1 * Double(sample.totalBytes))
        }
    }

    @Test func everythingAtOneHundredPercentAndAtLeastOneFile() {
        let all = DrillSample.choose(from: Self.units, fraction: 1, seed: 7)
        #expect(all.isComplete && all.keys.count == 200 && all.bytes == all.totalBytes)
        let tiny = DrillSample.choose(from: [.init(key: "/a", bytes: 0), .init(key: "/b", bytes: 0)], fraction: 0.001, seed: 1)
        #expect(tiny.files == 1)
        let none = DrillSample.choose(from: [], fraction: 0.5, seed: 1)
        #expect(none.files == 0 && none.isComplete)
    }

    @Test func percentagesParse() {
        #expect(DrillSample.fraction(fromPercent: "10%") == 0.1)
        #expect(DrillSample.fraction(fromPercent: "100") == 1)
        #expect(DrillSample.fraction(fromPercent: "0.5%") == 0.005)
        for bad in ["0%", "0", "150%", "-5%", "abc", "", "%", "nan%", "inf%"] {
            #expect(DrillSample.fraction(fromPercent: bad) == nil, "\(bad)")
        }
    }
}

@Suite struct RestoreTimeEstimateTests {
    @Test func aCompleteSampleIsItsOwnEstimate() {
        let estimate = RestoreTimeEstimate.fullSeconds(restoreSeconds: 12, contentSeconds: 9, timings: [],
                                                       sampledFiles: 10, sampledBytes: 1000, totalFiles: 10, totalBytes: 1000)
        #expect(estimate == 12)
    }

    /// Timings made by a known cost model: the extrapolation finds it back.
    @Test func splitsPerFileAndPerByteCosts() {
        let perFile = 0.002, perByte = 1e-8
        let sizes: [Int64] = [1000, 50_000, 2_000_000, 300, 8_000_000, 120_000, 40]
        let timings = sizes.map { FileTiming(bytes: $0, seconds: perFile + perByte * Double($0)) }
        let sampledBytes = sizes.reduce(0, +)
        let content = timings.reduce(0) { $0 + $1.seconds }
        // The full generation: 100 times the files, 10 times the bytes.
        let totalFiles = sizes.count * 100
        let totalBytes = sampledBytes * 10
        let truth = 1.0 + perFile * Double(totalFiles) + perByte * Double(totalBytes)
        let estimate = RestoreTimeEstimate.fullSeconds(restoreSeconds: 1 + content, contentSeconds: content, timings: timings,
                                                       sampledFiles: sizes.count, sampledBytes: sampledBytes,
                                                       totalFiles: totalFiles, totalBytes: totalBytes)
        #expect(abs(estimate - truth) / truth < 0.01, "estimate \(estimate) vs \(truth)")
        // Scaling by bytes alone would miss the per-file cost badly.
        #expect(1 + content * 10 < truth * 0.7)
    }

    @Test func withoutAFitTheLargerRatioIsUsed() {
        let estimate = RestoreTimeEstimate.fullSeconds(restoreSeconds: 3, contentSeconds: 2,
                                                       timings: [FileTiming(bytes: 100, seconds: 2)],
                                                       sampledFiles: 1, sampledBytes: 100, totalFiles: 50, totalBytes: 200)
        #expect(estimate == 1 + 2 * 50)
    }
}

@Suite struct ScratchSpaceTests {
    @Test func refusesWhenTheSampleDoesNotFit() {
        let need = ScratchSpace.Need.of(sampledBytes: 10_000_000, entries: 100)
        #expect(need == .init(bytes: 10_000_000 + 409_600, inodes: 101))
        #expect(ScratchSpace.shortfall(need: need, free: .init(bytes: 11_000_000, inodes: 1000), root: "/s") == nil)
        #expect(ScratchSpace.shortfall(need: need, free: .init(bytes: 11_000_000, inodes: nil), root: "/s") == nil)
        #expect(ScratchSpace.shortfall(need: need, free: .init(bytes: 10_000_000, inodes: 1000), root: "/s")
                == .notEnoughScratch(root: "/s", needed: 10_409_600, free: 10_000_000))
        #expect(ScratchSpace.shortfall(need: need, free: .init(bytes: 1 << 40, inodes: 50), root: "/s")
                == .notEnoughScratchInodes(root: "/s", needed: 101, free: 50))
        let message = DrillError.notEnoughScratch(root: "/s", needed: 10_409_600, free: 10_000_000).description
        #expect(message.contains("/s") && message.contains("--scratch"))
    }

    @Test func rootFallsBackToTMPDIRThenVarTmp() {
        #expect(ScratchSpace.root(requested: "/srv/x", environment: ["TMPDIR": "/t"]) == "/srv/x")
        #expect(ScratchSpace.root(requested: nil, environment: ["TMPDIR": "/t"]) == "/t")
        #expect(ScratchSpace.root(requested: nil, environment: [:]) == "/var/tmp")
    }

    /// A scratch root with a default ACL: the drill's folder does not pass it on, so restored
    /// files carry no ACL their originals lacked.
    @Test func theDrillFolderInheritsNoDefaultACL() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kura-acl-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        // posix_acl_xattr: version 2, then (tag, perm, id) entries: user::rwx user:1234:rwx group::r-x mask::rwx other::r-x
        var acl: [UInt8] = [2, 0, 0, 0]
        for (tag, perm, id) in [(0x01, 7, UInt32.max), (0x02, 7, 1234), (0x04, 5, UInt32.max), (0x10, 7, UInt32.max), (0x20, 5, UInt32.max)] {
            acl += [UInt8(tag), 0, UInt8(perm), 0] + withUnsafeBytes(of: UInt32(id).littleEndian, Array.init)
        }
        guard setxattr(root, "system.posix_acl_default", acl, acl.count, 0) == 0 else { return }  // no ACLs on this file system
        let inherited = root + "/plain"
        #expect(FileManager.default.createFile(atPath: inherited, contents: nil))
        #expect(getxattr(inherited, "system.posix_acl_access", nil, 0) > 0, "files under the root inherit its ACL")

        let folder = try ScratchSpace.create(in: root, subject: "s")
        #expect(FileManager.default.createFile(atPath: folder + "/restored", contents: nil))
        #expect(getxattr(folder + "/restored", "system.posix_acl_access", nil, 0) < 0)
        #expect(getxattr(folder, "system.posix_acl_default", nil, 0) < 0)
    }

    @Test func createsAPrivateFolderAndMeasuresRealFreeSpace() throws {
        let folder = try ScratchSpace.create(in: FileManager.default.temporaryDirectory.path, subject: "a/b c")
        var info = stat()
        #expect(stat(folder, &info) == 0 && info.st_mode & 0o777 == 0o700)
        #expect(folder.contains("kura-drill-a_b_c-"))
        #expect(try ScratchSpace.free(at: folder).bytes > 0)
        try ScratchSpace.remove(folder)
        #expect(!FileManager.default.fileExists(atPath: folder))
        #expect(throws: DrillError.self) { try ScratchSpace.create(in: "/nonexistent/scratch", subject: "s") }
        #expect(throws: DrillError.self) { try ScratchSpace.free(at: "/nonexistent/scratch") }
    }
}
