/// What prune found and did (or, with dry-run, would do). Sizes are stored bytes.
public struct PruneReport: Sendable {
    public var dryRun = false
    public var generations = 0
    public var packs = 0
    public var bytes: Int64 = 0
    /// Bytes of the blobs that generations use.
    public var usedBytes: Int64 = 0
    /// Packs no generation uses anything of.
    public var deadPacks = 0
    public var deadBytes: Int64 = 0
    /// Mostly unused packs whose used blobs were copied into new packs.
    public var repackedPacks = 0
    public var repackedBytes: Int64 = 0
    public var newPacks = 0
    public var newPackBytes: Int64 = 0
    /// Packs no index names (left by interrupted backups or prunes).
    public var leftoverPacks = 0
    public var leftoverBytes: Int64 = 0
    /// Packs planned for deletion but kept because a backup that finished meanwhile uses them.
    public var keptForNewGenerations = 0
    public var indexFilesReplaced = 0
    /// Unused bytes left in partly used packs that were not worth repacking.
    public var unusedBytesKept: Int64 = 0

    public init() {}

    /// Packs close at about this size (docs/FORMAT.md), for dry-run estimates.
    static let packSize = 16 * 1024 * 1024

    /// Bytes the repository shrank by (or would).
    public var bytesFreed: Int64 { deadBytes + repackedBytes + leftoverBytes - newPackBytes }
}
