import KuraRepository

/// Phase 1's decision: which packs no generation uses (dead), which are mostly unused and
/// worth repacking, and which used blobs to copy out of them.
struct PrunePlan {
    var dead: Set<PackID> = []
    var repack: Set<PackID> = []
    /// Used blobs to copy out of the packs to repack.
    var blobsToCopy: [BlobID] = []
    var usedBytes: Int64 = 0
    var unusedBytesKept: Int64 = 0

    /// - Parameters:
    ///   - packs: every indexed pack and its entries.
    ///   - sizes: stored size of every pack.
    ///   - maxUnused: the fraction of the kept size that may stay unused.
    init(packs: [PackID: [PackEntry]], sizes: [PackID: Int], used: ReferencedBlobs, maxUnused: Double) throws {
        // A blob stored twice (an interrupted prune's copy) counts in one pack only: the one
        // holding the most used blobs, so a finished repack's new pack wins over the old one.
        var holders: [BlobID: [PackID]] = [:]
        var usedCount: [PackID: Int] = [:]
        var usedLengths: [PackID: [BlobID: Int]] = [:]
        for (pack, entries) in packs {
            guard sizes[pack] != nil else { throw PruneError.packMissing(pack) }
            var lengths: [BlobID: Int] = [:]
            for entry in entries where used.contains(entry.id) && lengths[entry.id] == nil {
                lengths[entry.id] = entry.length
                holders[entry.id, default: []].append(pack)
            }
            usedCount[pack] = lengths.count
            usedLengths[pack] = lengths
        }
        for blob in used.blobs where holders[blob] == nil { throw PruneError.blobMissing(blob) }
        var usedBytesOf: [PackID: Int64] = [:]
        var chosen: [PackID: [BlobID]] = [:]
        for (blob, candidates) in holders {
            guard let pack = candidates.max(by: { (usedCount[$0] ?? 0, $1) < (usedCount[$1] ?? 0, $0) }),
                  let length = usedLengths[pack]?[blob] else { continue }
            usedBytesOf[pack, default: 0] += Int64(length)
            chosen[pack, default: []].append(blob)
        }
        usedBytes = usedBytesOf.values.reduce(0, +)

        var partial: [(pack: PackID, unused: Int64, size: Int64)] = []
        var keptSize: Int64 = 0
        for pack in packs.keys {
            let size = Int64(sizes[pack] ?? 0)
            guard let usedHere = usedBytesOf[pack] else {
                dead.insert(pack)
                continue
            }
            keptSize += size
            let unusedEntries = Set(packs[pack]?.map(\.id) ?? []).subtracting(chosen[pack] ?? [])
            if !unusedEntries.isEmpty { partial.append((pack, max(0, size - usedHere), size)) }
        }
        // Repack the emptiest packs first until what stays unused is within the limit.
        var unused = partial.reduce(Int64(0)) { $0 + $1.unused }
        partial.sort { ($0.unused * $1.size, $1.pack) > ($1.unused * $0.size, $0.pack) }
        for candidate in partial where Double(unused) > maxUnused * Double(keptSize) {
            repack.insert(candidate.pack)
            unused -= candidate.unused
            keptSize -= candidate.unused
            blobsToCopy += (chosen[candidate.pack] ?? []).sorted()
        }
        unusedBytesKept = unused
    }
}
