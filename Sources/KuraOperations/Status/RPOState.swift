import Foundation

/// Where a subject stands against its recovery point objective.
public enum RPOState: String, Sendable, Codable, Comparable {
    /// The newest good generation is younger than the RPO less the safety margin.
    case ok
    /// Within the safety margin before the RPO: `kura run` backs it up now, so the backup
    /// finishes before the RPO is breached.
    case due
    /// Older than the RPO, or no generation at all.
    case breached

    /// The state of a subject whose newest good generation is `age` old (nil: none).
    /// Without an RPO a subject with a generation is always ok.
    public static func of(age: TimeInterval?, rpo: TimeInterval?) -> RPOState {
        guard let age else { return .breached }
        guard let rpo else { return .ok }
        if age > rpo { return .breached }
        return age >= rpo - safetyMargin(for: rpo) ? .due : .ok
    }

    /// How long before its RPO a subject becomes due: a tenth of the RPO, at least five
    /// minutes (a cron or timer interval), at most half the RPO.
    public static func safetyMargin(for rpo: TimeInterval) -> TimeInterval {
        min(max(rpo * 0.1, 300), rpo * 0.5)
    }

    private var rank: Int {
        switch self {
        case .ok: 0
        case .due: 1
        case .breached: 2
        }
    }

    public static func < (lhs: RPOState, rhs: RPOState) -> Bool { lhs.rank < rhs.rank }
}
