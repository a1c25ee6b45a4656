import Foundation

/// What retention needs to know about one generation.
public struct RetentionCandidate: Sendable, Equatable {
    public var subject: String
    public var number: Int
    public var time: Date
    /// The generation's ID (hex), to break ties and to name it.
    public var id: String

    public init(subject: String, number: Int, time: Date, id: String) {
        self.subject = subject
        self.number = number
        self.time = time
        self.id = id
    }

    /// `SUBJECT@N`.
    public var name: String { "\(subject)@\(number)" }
}

/// Why a rule keeps a generation.
public enum KeepReason: Sendable, Equatable, CustomStringConvertible {
    /// The newest of its bucket (or, with `oldest`, the subject's oldest generation kept
    /// because the rule had counts left).
    case bucket(BucketRule, oldest: Bool)
    /// Younger than the duration, measured from the subject's newest generation.
    case within(KeepWithin)
    /// The newest of its hour, day, week, month or year, inside the span (keep-within-daily …).
    case bucketWithin(BucketRule, KeepWithin)

    /// "last", "daily", "oldest monthly", "within 30d", "daily within 7d".
    public var description: String {
        switch self {
        case .bucket(let rule, let oldest): oldest ? "oldest \(rule.rawValue)" : rule.rawValue
        case .within(let span): "within \(span)"
        case .bucketWithin(let rule, let span): "\(rule.rawValue) within \(span)"
        }
    }
}

/// One generation and the reasons it is kept (none when it is removed).
public struct RetentionDecision: Sendable, Equatable {
    public var candidate: RetentionCandidate
    public var reasons: [KeepReason]
}

/// The outcome for one subject, newest first in each list.
public struct SubjectRetention: Sendable, Equatable {
    public var subject: String
    public var kept: [RetentionDecision]
    public var removed: [RetentionDecision]
    /// With no rule at all nothing is decided: every generation stays and none is listed as kept.
    public var unchanged: [RetentionDecision]
}
