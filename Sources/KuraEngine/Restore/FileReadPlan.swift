import KuraRepository

/// How one file's contents are read: blobs already fetched (small files' batch), and the rest
/// as runs of neighbouring blobs in one pack, each read with one streamed request and written
/// where it belongs as it arrives. A blob the file holds several times (zero pages, repeated
/// records) is read once per run and written at each of its offsets.
struct FileReadPlan {
    struct Run {
        let pack: PackID
        /// Ascending pack offsets, each blob once.
        var entries: [PackEntry]
        /// Where in the file each entry's plaintext goes, by its pack offset.
        var fileOffsets: [Int: [Int64]]
        let start: Int
        var last: PackEntry

        init(pack: PackID, entry: PackEntry, fileOffset: Int64) {
            self.pack = pack
            entries = [entry]
            fileOffsets = [entry.offset: [fileOffset]]
            start = entry.offset
            last = entry
        }

        /// Adds the blob if it continues the run; false if it must start a new one.
        mutating func extend(with entry: PackEntry, in pack: PackID, fileOffset: Int64) -> Bool {
            guard pack == self.pack else { return false }
            if entry.offset == last.offset {
                fileOffsets[entry.offset, default: []].append(fileOffset)
                return true
            }
            guard entry.offset > last.offset, entry.offset - (last.offset + last.length) <= FileReadPlan.maxGap,
                  entry.offset + entry.length - start <= FileReadPlan.maxRunSpan else { return false }
            entries.append(entry)
            fileOffsets[entry.offset, default: []].append(fileOffset)
            last = entry
            return true
        }
    }

    /// A run ends where the next blob is in another pack, before the previous one, or more
    /// than this far from it; and before it grows longer than `maxRunSpan`.
    static let maxGap = 1 << 20
    static let maxRunSpan = 32 << 20

    private(set) var runs: [Run] = []
    private(set) var prefetched: [(BlobID, Int64)] = []
    /// The file's size according to the index (the sum of its blobs' plaintext lengths).
    private(set) var size: Int64 = 0

    init(content: [BlobID], index: RepositoryIndex, prefetched available: [BlobID: [UInt8]]) throws {
        for id in content {
            guard let location = index.location(of: id) else { throw RepositoryError.blobMissing(id) }
            defer { size += Int64(location.entry.rawLength) }
            if available[id] != nil {
                prefetched.append((id, size))
                continue
            }
            if runs.isEmpty || !runs[runs.count - 1].extend(with: location.entry, in: location.pack, fileOffset: size) {
                runs.append(Run(pack: location.pack, entry: location.entry, fileOffset: size))
            }
        }
    }
}
