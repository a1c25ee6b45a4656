import Foundation

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
