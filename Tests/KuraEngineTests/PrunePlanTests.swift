@testable import KuraEngine
@testable import KuraRepository
import Testing

/// Prune's phase-1 decision on hand-made indexes: no repository, only the arithmetic.
@Suite struct PrunePlanTests {
    static func blob(_ n: UInt8) -> BlobID { BlobID(bytes: [UInt8](repeating: n, count: 32)) }
    static func pack(_ n: UInt8) -> PackID { PackID(bytes: [UInt8](repeating: n, count: 32)) }
    static func entry(_ n: UInt8, length: Int = 1000, at offset: Int = 0) -> PackEntry {
        PackEntry(id: blob(n), type: .data, offset: offset, length: length, rawLength: length)
    }

    @Test func aPackNoGenerationUsesIsDeadAndNotRepacked() throws {
        let packs = [Self.pack(1): [Self.entry(1)], Self.pack(2): [Self.entry(2)]]
        let plan = try PrunePlan(packs: packs, sizes: [Self.pack(1): 1000, Self.pack(2): 1000],
                                 used: ReferencedBlobs(blobs: [Self.blob(1)]), maxUnused: 0)
        #expect(plan.dead == [Self.pack(2)])
        #expect(plan.repack.isEmpty && plan.blobsToCopy.isEmpty)
        #expect(plan.usedBytes == 1000)
    }

    @Test func aMostlyUnusedPackIsRepackedOnlyAboveTheLimit() throws {
        // One pack: 1 KB used, 9 KB unused (90 % of what is kept).
        let entries = [Self.entry(1)] + (2...10).map { Self.entry(UInt8($0), at: Int($0) * 1000) }
        let packs = [Self.pack(1): entries]
        let sizes = [Self.pack(1): 10_000]
        let used = ReferencedBlobs(blobs: [Self.blob(1)])
        let tight = try PrunePlan(packs: packs, sizes: sizes, used: used, maxUnused: 0.05)
        #expect(tight.repack == [Self.pack(1)] && tight.blobsToCopy == [Self.blob(1)])
        #expect(tight.dead.isEmpty)
        let loose = try PrunePlan(packs: packs, sizes: sizes, used: used, maxUnused: 0.95)
        #expect(loose.repack.isEmpty && loose.unusedBytesKept == 9000)
    }

    @Test func theEmptiestPacksAreRepackedFirst() throws {
        // Pack 1 is 90 % unused, pack 2 is 50 % unused; a limit that one repack meets takes pack 1.
        let packs = [Self.pack(1): [Self.entry(1), Self.entry(9, length: 9000, at: 1000)],
                     Self.pack(2): [Self.entry(2, length: 5000), Self.entry(8, length: 5000, at: 5000)]]
        let plan = try PrunePlan(packs: packs, sizes: [Self.pack(1): 10_000, Self.pack(2): 10_000],
                                 used: ReferencedBlobs(blobs: [Self.blob(1), Self.blob(2)]), maxUnused: 0.5)
        #expect(plan.repack == [Self.pack(1)])
        #expect(plan.unusedBytesKept == 5000)
    }

    /// An interrupted prune leaves a blob in two packs: it counts in the one holding more used
    /// blobs, so the old, emptier pack can go.
    @Test func aBlobStoredTwiceCountsInTheFullerPack() throws {
        let packs = [Self.pack(1): [Self.entry(1), Self.entry(5, at: 1000)],
                     Self.pack(2): [Self.entry(1), Self.entry(2, at: 1000)]]
        let plan = try PrunePlan(packs: packs, sizes: [Self.pack(1): 2000, Self.pack(2): 2000],
                                 used: ReferencedBlobs(blobs: [Self.blob(1), Self.blob(2)]), maxUnused: 1)
        #expect(plan.dead == [Self.pack(1)])
        #expect(plan.usedBytes == 2000)
    }

    @Test func missingPacksAndBlobsStopThePlan() {
        #expect(throws: PruneError.packMissing(Self.pack(1))) {
            try PrunePlan(packs: [Self.pack(1): [Self.entry(1)]], sizes: [:], used: ReferencedBlobs(), maxUnused: 0)
        }
        #expect(throws: PruneError.blobMissing(Self.blob(7))) {
            try PrunePlan(packs: [Self.pack(1): [Self.entry(1)]], sizes: [Self.pack(1): 1000],
                          used: ReferencedBlobs(blobs: [Self.blob(7)]), maxUnused: 0)
        }
    }
}
