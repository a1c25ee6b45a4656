import Foundation
import KuraRepository

/// What one drill restores, where, and what it is held to.
public struct DrillOptions: Sendable {
    public var subject: String
    /// The generation number; nil for the subject's latest.
    public var generation: Int?
    /// The fraction of the generation's files and bytes to restore (0 < sample ≤ 1).
    public var sample: Double
    /// The subject's recovery time objective, if it has one.
    public var rto: TimeInterval?
    /// The folder under which the drill makes its own scratch folder.
    public var scratchRoot: String
    /// Leave the restored sample in place (for inspection) instead of removing it.
    public var keepScratch = false
    /// Repeat an earlier drill's choice of files; nil for a fresh random seed.
    public var seed: UInt64?
    public var host = ProcessInfo.processInfo.hostName

    /// Without a policy or --sample, a drill restores a tenth of the generation.
    public static let defaultSample = 0.1

    public init(subject: String, sample: Double = DrillOptions.defaultSample, scratchRoot: String) {
        self.subject = subject
        self.sample = sample
        self.scratchRoot = scratchRoot
    }

    /// A drill of a policy subject: its `drill.sample` (else the default) and its `rto`.
    public init(subject: SubjectPolicy, scratchRoot: String) {
        self.init(subject: subject.name, sample: subject.drill?.sample ?? Self.defaultSample, scratchRoot: scratchRoot)
        rto = subject.rto
    }
}

/// A finished drill: its signed record as stored, and what it left behind.
public struct DrillOutcome: Sendable {
    public var id: DrillID
    public var record: DrillRecord
    /// Where the sample stays when `keepScratch` was asked for.
    public var keptScratch: String?
    /// Entries whose metadata was compared; files and bytes re-read.
    public var entriesChecked: Int
    public var filesChecked: Int
    public var bytesChecked: Int64
    public var holesChecked: Bool
    /// Restore warnings (e.g. device nodes that need root).
    public var warnings: [String]
}
