import Foundation
import KuraRepository

/// Where every subject stands against its targets at one moment: per subject and per
/// repository it goes to, the newest generation against the RPO and the last drill against
/// the RTO. Built by `StatusReport.evaluate`; `kura status` prints it and `kura run` reads
/// `inBreach` for its exit code.
public struct StatusReport: Sendable {
    /// The moment the report describes (Kura's clock).
    public var time: Date
    /// The policy file, if there was one.
    public var policyFile: String?
    /// Subjects in restore order: policy subjects by priority then name, then subjects found
    /// only in repositories, by name.
    public var subjects: [SubjectStatus]
    public var repositories: [RepositoryStatus]

    /// Whether any subject is in breach (the exit code of `kura status` is 3 then).
    public var inBreach: Bool { subjects.contains { $0.state == .breached } }

    public func subject(named name: String) -> SubjectStatus? { subjects.first { $0.name == name } }
}

/// One subject: its targets and each copy's state.
public struct SubjectStatus: Sendable {
    public var name: String
    /// Whether the policy names this subject (else it was only found in a repository).
    public var inPolicy: Bool
    public var priority: Int?
    public var rpo: TimeInterval?
    public var rto: TimeInterval?
    public var drillPolicy: DrillPolicy?
    /// One entry per repository, the primary first.
    public var copies: [SubjectCopyStatus]
    /// The newest drill in any repository.
    public var lastDrill: DrillSummary?
    /// A drill policy is set and no drill ran within its interval.
    public var drillOverdue: Bool
    /// The worst state of the copies.
    public var state: TargetState
    /// One line per breach, for people: what is wrong where.
    public var breaches: [String]
    /// One line per warning that is not a breach (drill overdue, damaged records).
    public var warnings: [String]

    /// Generations across all repositories.
    public var generationCount: Int { copies.reduce(0) { $0 + $1.generationCount } }

    /// Whether `kura run` should back this subject up now: a copy is due or breached.
    public var needsBackup: Bool { copies.contains { $0.rpoState == .due || $0.rpoState == .breached } }
}

/// A subject in one repository.
public struct SubjectCopyStatus: Sendable {
    public var repository: String
    public var location: String
    public var isPrimary: Bool
    /// Why the repository could not be read, if it could not.
    public var unreadable: String?
    public var generationCount: Int
    /// Every generation's number and time, oldest first (for the report's timeline).
    public var generationMarks: [GenerationMark]
    public var newest: GenerationSummary?
    public var rpoState: TargetState
    /// When the copy becomes due and when it breaches the RPO, if it has one and a generation.
    public var dueAt: Date?
    public var breachAt: Date?
    /// Drills of this subject in this repository, oldest first.
    public var drills: [DrillSummary]
    public var lastDrill: DrillSummary? { drills.last }
}

/// A generation's number and time.
public struct GenerationMark: Sendable, Equatable {
    public var number: Int
    public var time: Date
}

/// The newest generation of a subject in one repository.
public struct GenerationSummary: Sendable {
    public var number: Int
    public var time: Date
    /// Seconds between the generation and the report's time.
    public var age: TimeInterval
    public var host: String
    public var bytes: Int64
}

/// One drill, judged against the RTO in force now (else the one it was recorded with).
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

public enum DrillResult: String, Sendable {
    case passed
    /// Files did not match the generation.
    case failed
    /// The extrapolated restore time is longer than the RTO.
    case overRTO = "over-rto"
}

/// Where a subject, or one copy of it, stands against the RPO. Ordered from good to bad.
public enum TargetState: String, Sendable, Comparable, CaseIterable {
    /// No RPO (and nothing else wrong): nothing to hold it to.
    case noTarget = "no-target"
    case ok
    /// Within the safety margin before the RPO: `kura run` backs it up.
    case due
    /// Older than the RPO, no generation at all, a drill failed or over the RTO, or the
    /// repository cannot be read.
    case breached

    /// The state `kura run` uses to decide a backup (same margin, docs/STATUS.md).
    public init(_ state: RPOState) {
        self = switch state {
        case .ok: .ok
        case .due: .due
        case .breached: .breached
        }
    }

    private var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}

/// A repository as status saw it.
public struct RepositoryStatus: Sendable {
    public var name: String
    public var location: String
    public var unreadable: String?
    public var generationCount: Int
    public var drillCount: Int
    public var subjectCount: Int
    public var damagedRecords: [String]
    public var keys: [RepositoryKey]
}
