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
    /// A pause after every object prune writes or deletes. Zero except in crash tests
    /// (KURA_TEST_PRUNE_STEP_PAUSE), which use it to kill prune between any two steps.
    public var stepPause: TimeInterval = 0

    public init(dryRun: Bool = false, maxUnused: Double = 0.05, lockWait: TimeInterval = 3600, stepPause: TimeInterval = 0) {
        self.dryRun = dryRun
        self.maxUnused = maxUnused
        self.lockWait = lockWait
        self.stepPause = stepPause
    }
}
