import Foundation
import KuraRepository

/// One drill, judged against the stricter of the RTO in force now and the one it ran with.
public struct DrillSummary: Sendable {
    public var repository: String
    public var generationNumber: Int
    public var time: Date
    public var host: String
    public var sample: Double
    /// Measured seconds of the sampled restore.
    public var seconds: Double
    /// The full restore time extrapolated from the sample.
    public var estimatedFullSeconds: Double
    public var rto: TimeInterval?
    public var mismatches: Int
    public var result: DrillResult
}

/// A drill's verdict, decided by `DrillRecord.verdict(against:)`.
public typealias DrillResult = DrillVerdict
