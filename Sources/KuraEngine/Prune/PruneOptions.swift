import Foundation

/// How `prune` runs.
public struct PruneOptions: Sendable {
    /// Report what would be done without writing or deleting anything.
    public var dryRun = false
    /// Partly used packs are repacked until unused bytes are at most this fraction (0...1)
    /// of what the repository keeps (restic's --max-unused, default 5 %).
    public var maxUnused = 0.05
    /// How long the sweep waits for running backups to release their locks.
    public var lockWait: TimeInterval = 3600

    public init(dryRun: Bool = false, maxUnused: Double = 0.05, lockWait: TimeInterval = 3600) {
        self.dryRun = dryRun
        self.maxUnused = maxUnused
        self.lockWait = lockWait
    }
}
