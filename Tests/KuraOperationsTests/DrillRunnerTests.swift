import Foundation
import KuraCrypto
import KuraEngine
import KuraOperations
import KuraRepository
import KuraStorage
import Testing

/// Drills and restore verification on a real local repository with real files.
@Suite struct DrillRunnerTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("kura-drill-runner-\(UUID().uuidString)").path

    /// A repository holding one generation of a small tree: "s@1".
    func populated() async throws -> (Repository, StoredGeneration) {
        let data = root + "/data"
        try FileManager.default.createDirectory(atPath: data + "/sub", withIntermediateDirectories: true)
        for index in 0..<20 {
            try Data((0..<(index * 5000 + 1)).map { UInt8(truncatingIfNeeded: $0 * 7 + index) })
                .write(to: URL(fileURLWithPath: data + "/sub/f\(index)"))
        }
        try Data("hello\n".utf8).write(to: URL(fileURLWithPath: data + "/hello.txt"))
        link(data + "/hello.txt", data + "/hello-link")
        symlink("hello.txt", data + "/sym")
        let repository = try await Repository.initialize(
            backend: LocalBackend(path: root + "/repo"), password: try SecureBytes(copying: Array("pw".utf8)),
            parameters: Argon2idParameters(iterations: 1, memoryKiB: 8 * 1024))
        let stored = try await BackupRunner(repository: repository, options: BackupOptions(subject: "s", paths: [data])).run()
        return (repository, stored)
    }

    @Test func aSampledDrillPassesRecordsItselfAndLeavesNothing() async throws {
        defer { try? TreeRemover.remove(root) }
        let (repository, stored) = try await populated()
        let scratchRoot = root + "/scratch"
        try FileManager.default.createDirectory(atPath: scratchRoot, withIntermediateDirectories: true)
        var options = DrillOptions(subject: "s", sample: 0.2, scratchRoot: scratchRoot)
        options.seed = 99
        options.rto = 3600
        var seen: [String?] = []
        let outcome = try await DrillRunner(repository: repository, options: options, onScratch: { seen.append($0) }).run()
        #expect(outcome.record.mismatches.isEmpty, "\(outcome.record.mismatches)")
        #expect(outcome.record.passed && outcome.record.seed == 99 && outcome.record.totalFiles == 21)
        #expect(outcome.record.files >= 5 && outcome.record.files < 21, "a fifth of 21 files")
        #expect(outcome.entriesChecked == 25 + root.split(separator: "/").count, "every entry's metadata, sampled or not")
        #expect(outcome.record.generation == stored.id)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratchRoot).isEmpty)
        #expect(seen.count == 2 && seen[0] != nil && seen[1] == nil)
        let drills = try await repository.drills()
        #expect(drills.valid.map(\.id) == [outcome.id] && drills.damaged.isEmpty)
        #expect(drills.valid[0].record.seed == 99 && drills.valid[0].record.restoreSeconds != nil)

        // The same seed picks the same files.
        let again = try await DrillRunner(repository: repository, options: options).run()
        #expect(again.record.files == outcome.record.files && again.record.bytes == outcome.record.bytes)
    }

    @Test func verificationNamesARestoredFileThatWasTamperedWith() async throws {
        defer { try? TreeRemover.remove(root) }
        let (repository, stored) = try await populated()
        let target = root + "/restored"
        _ = try await Restorer(repository: repository, generation: stored, options: RestoreOptions(target: target)).run()
        let verifier = RestoreVerifier(repository: repository, generation: stored, target: target, contentFilter: nil, skipping: [])
        #expect(try await verifier.run().mismatches.isEmpty)

        let restoredFile = target + root + "/data/sub/f7"
        var info = stat()
        stat(restoredFile, &info)
        let handle = try #require(FileHandle(forUpdatingAtPath: restoredFile))
        try handle.seek(toOffset: 1000)
        try handle.write(contentsOf: Data([0xFF ^ UInt8(truncatingIfNeeded: 1000 * 7 + 7)]))
        try handle.close()
        var times = [info.st_atim, info.st_mtim]
        utimensat(AT_FDCWD, restoredFile, &times, 0)
        chmod(target + root + "/data/sub/f3", 0o777)
        var directoryInfo = stat()
        stat(target + root + "/data", &directoryInfo)
        _ = FileManager.default.createFile(atPath: target + root + "/data/extra", contents: Data())
        var directoryTimes = [directoryInfo.st_atim, directoryInfo.st_mtim]
        utimensat(AT_FDCWD, target + root + "/data", &directoryTimes, 0)

        let mismatches = try await verifier.run().mismatches
        #expect(mismatches.count == 3, "\(mismatches)")
        #expect(mismatches.contains { $0.path == root + "/data/sub/f7" && $0.reason.hasPrefix("contents differ") })
        #expect(mismatches.contains { $0.path == root + "/data/sub/f3" && $0.reason.hasPrefix("mode is 777") })
        #expect(mismatches.contains { $0.path == root + "/data/extra" && $0.reason == "is not in the generation" })
    }

    /// A generation holding two files marked sparse: one with a long run of zeros (restore
    /// leaves a hole, verification insists on it), one without (as a file a compressing file
    /// system counted sparse: nothing to leave as a hole, so no mismatch).
    @Test func holesAreRequiredOnlyWhereRestoreLeavesThem() async throws {
        defer { try? TreeRemover.remove(root) }
        let repository = try await Repository.initialize(
            backend: LocalBackend(path: root + "/repo"), password: try SecureBytes(copying: Array("pw".utf8)),
            parameters: Argon2idParameters(iterations: 1, memoryKiB: 8 * 1024))
        func file(_ name: String, _ bytes: [UInt8]) async throws -> Node {
            let blob = try await repository.store(bytes, type: .data).id
            var node = Node(name: name, kind: .file, mode: 0o644, uid: geteuid(), gid: getegid(),
                            mtime: Timestamp(seconds: 1_700_000_000, nanoseconds: 0), ctime: Timestamp(seconds: 1_700_000_000, nanoseconds: 0),
                            size: Int64(bytes.count), inode: 1, device: 1, links: 1)
            node.content = [blob]
            node.sparse = true
            return node
        }
        let holey = try await file("holey", [1] + [UInt8](repeating: 0, count: 256 * 1024) + [2])
        let dense = try await file("dense", (0..<64 * 1024).map { UInt8(truncatingIfNeeded: $0 % 251 + 1) })
        let tree = try await repository.saveTree(Tree(nodes: [holey, dense]))
        try await repository.flush()
        let generation = Generation(subject: "h", number: 1, time: Date(), host: "test", paths: ["/"], tags: [],
                                    tree: tree, parent: nil, summary: .init(), writer: repository.keySlot.id)
        let stored = StoredGeneration(id: try await repository.save(generation), generation: generation)

        let target = root + "/restored"
        _ = try await Restorer(repository: repository, generation: stored, options: RestoreOptions(target: target)).run()
        let verifier = RestoreVerifier(repository: repository, generation: stored, target: target, contentFilter: nil, skipping: [])
        let clean = try await verifier.run()
        #expect(clean.holesChecked, "the test's temporary folder keeps holes")
        #expect(clean.mismatches.isEmpty, "\(clean.mismatches)")

        // The same bytes written densely: the hole is gone, and that is named.
        let path = target + "/holey"
        try Data([1] + [UInt8](repeating: 0, count: 256 * 1024) + [2]).write(to: URL(fileURLWithPath: path))
        var times = [timespec(tv_sec: 1_700_000_000, tv_nsec: 0), timespec(tv_sec: 1_700_000_000, tv_nsec: 0)]
        utimensat(AT_FDCWD, path, &times, 0)
        chmod(path, 0o644)
        let dense2 = try await verifier.run()
        #expect(dense2.mismatches == [DamagedEntry(path: "/holey", reason: "restored without holes, the generation's file is sparse")])
    }

    @Test func badInputIsRefusedBeforeAnythingIsRestored() async throws {
        defer { try? TreeRemover.remove(root) }
        let (repository, _) = try await populated()
        await #expect(throws: DrillError.noGenerations("other")) {
            try await DrillRunner(repository: repository, options: DrillOptions(subject: "other", scratchRoot: root)).run()
        }
        var options = DrillOptions(subject: "s", scratchRoot: root)
        options.generation = 5
        await #expect(throws: DrillError.generationNotFound(subject: "s", number: 5)) {
            try await DrillRunner(repository: repository, options: options).run()
        }
        await #expect(throws: DrillError.self) {
            try await DrillRunner(repository: repository, options: DrillOptions(subject: "s", scratchRoot: root + "/missing")).run()
        }
        #expect(try await repository.drills().valid.isEmpty)
    }
}
