import Foundation

/// The signed result of one restore drill: which generation was restored, how much of it,
/// how long that took, the full-restore time extrapolated from it, the RTO it was held
/// against, and what did not match. `status` and `runbook` read these.
public struct DrillRecord: Codable, Sendable {
    public var version: Int = 1
    public var subject: String
    public var generation: GenerationID
    public var generationNumber: Int
    /// When the drill began (Kura's clock).
    public var time: Date
    public var host: String
    /// The fraction of the generation's file bytes the drill restored (1 = everything).
    public var sample: Double
    public var files: Int
    /// Bytes restored and verified.
    public var bytes: Int64
    /// The generation's total file bytes, the base of the extrapolation.
    public var totalBytes: Int64
    /// Measured wall time of the restore and its verification.
    public var seconds: Double
    /// The time a full restore is expected to take, scaled from the sample.
    public var estimatedFullSeconds: Double
    /// The subject's RTO when the drill ran, if it had one.
    public var rtoSeconds: Double?
    /// Files that were damaged or did not match the generation, with the reason.
    public var mismatches: [String]
    public var writer: KeyID
    /// The seed that chose the sample: the same seed on the same generation picks the same
    /// files (version 1 records written before it have none).
    public var seed: UInt64?
    /// The generation's regular files (hard-linked names counted once), the other base of
    /// the extrapolation.
    public var totalFiles: Int?
    /// Measured wall time of the restore alone; `seconds` includes the verification.
    public var restoreSeconds: Double?
    /// Base64 Ed25519 signature over the record's canonical JSON with this field empty.
    public var signature: String = ""

    public init(subject: String, generation: GenerationID, generationNumber: Int, time: Date, host: String,
                sample: Double, files: Int, bytes: Int64, totalBytes: Int64, seconds: Double,
                estimatedFullSeconds: Double, rtoSeconds: Double?, mismatches: [String], writer: KeyID) {
        self.subject = subject
        self.generation = generation
        self.generationNumber = generationNumber
        self.time = time
        self.host = host
        self.sample = sample
        self.files = files
        self.bytes = bytes
        self.totalBytes = totalBytes
        self.seconds = seconds
        self.estimatedFullSeconds = estimatedFullSeconds
        self.rtoSeconds = rtoSeconds
        self.mismatches = mismatches
        self.writer = writer
    }

    /// Every byte matched and the extrapolated restore time is within the RTO (if any).
    public var passed: Bool { verdict(against: rtoSeconds) == .passed }

    public var breachesRTO: Bool { verdict(against: rtoSeconds) == .overRTO }

    /// The one place a drill is judged, so the drill's own report, `status` and the HTML page
    /// agree: damage fails it; otherwise an estimate over `rto` (if any) breaches it.
    /// `status` passes the stricter of the RTO in force and `rtoSeconds`.
    public func verdict(against rto: Double?) -> DrillVerdict {
        if !mismatches.isEmpty { return .failed }
        if let rto, estimatedFullSeconds > rto { return .overRTO }
        return .passed
    }
}

/// What a drill showed: restorable within the RTO, damaged, or too slow for the RTO.
public enum DrillVerdict: String, Sendable {
    case passed
    /// Files did not match the generation.
    case failed
    /// The extrapolated restore time is longer than the RTO.
    case overRTO = "over-rto"
}

/// A drill record with its ID, as listed from the repository.
public struct StoredDrill: Sendable {
    public let id: DrillID
    public let record: DrillRecord

    public init(id: DrillID, record: DrillRecord) {
        self.id = id
        self.record = record
    }
}
