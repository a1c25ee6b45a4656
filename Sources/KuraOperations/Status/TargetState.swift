import Foundation

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
