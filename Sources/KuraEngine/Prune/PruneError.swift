import KuraRepository

/// Why prune stopped. Prune stops before deleting anything whenever it cannot be sure what
/// the repository's generations use.
public enum PruneError: Error, Equatable, Sendable {
    /// A generation record, index file or tree cannot be read.
    case unreadable(String)
    /// A pack the index names is not in storage.
    case packMissing(PackID)
    /// A blob some generation uses is in no pack.
    case blobMissing(BlobID)
    /// Another prune replaced index files while this one was running.
    case concurrentPrune
}

extension PruneError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .unreadable(let what):
            "prune stopped before deleting anything: \(what) cannot be read; run `kura check` and repair the repository first"
        case .packMissing(let pack):
            "prune stopped before deleting anything: pack \(pack.short) named by the index is missing; run `kura check`"
        case .blobMissing(let blob):
            "prune stopped before deleting anything: blob \(blob.short) used by a generation is in no pack; run `kura check`"
        case .concurrentPrune:
            "another prune changed the index while this one ran; nothing was deleted, run `kura prune` again"
        }
    }
}
