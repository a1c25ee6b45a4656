import Foundation
import KuraRepository

/// Something an access review found about one key, with what to do about it.
///
/// The rules (docs/ACCESS-REVIEW.md), in the order they are tried:
/// - `untrusted` (flag): the slot is not certified back to the first admin. Nothing else
///   about it is judged, because its fields cannot be believed.
/// - `expired` (flag): its expiry has passed; nothing else is judged.
/// - `admin-without-expiry` (flag): an admin key that never expires.
/// - `stale` (flag): last used `staleDays` or more ago.
/// - `never-used`: never signed anything; a warning while the key is younger than
///   `staleDays`, a flag once it is older (so a key added today does not fail tonight's cron).
/// - `expires-soon` (warning): expires within `expiryWarningDays`.
/// - `behind-epoch` (flag): it holds an older key epoch than the repository's, so it cannot
///   write (its envelope of the newest epoch is missing).
public struct AccessFinding: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case untrusted
        case expired
        case adminWithoutExpiry = "admin-without-expiry"
        case stale
        case neverUsed = "never-used"
        case expiresSoon = "expires-soon"
        case behindEpoch = "behind-epoch"
    }

    public enum Severity: String, Sendable {
        /// Calls for action: the review exits 16.
        case flag
        /// Worth knowing; the review still exits 0.
        case warning
    }

    public let kind: Kind
    public let severity: Severity
    public let key: AccessReview.Key
    /// What was found, in words.
    public let problem: String
    /// What to do, with the command to run.
    public let action: String

    static let day: TimeInterval = 86_400

    static func findings(for key: AccessReview.Key, now: Date, options: AccessReview.Options) -> [AccessFinding] {
        let id = key.id.short
        let remove = "kura key remove \(id)"
        func finding(_ kind: Kind, _ severity: Severity, _ problem: String, _ action: String) -> AccessFinding {
            AccessFinding(kind: kind, severity: severity, key: key, problem: problem, action: action)
        }
        guard key.trusted else {
            return [finding(.untrusted, .flag, "its slot is not certified by an admin key (written to storage directly, or its role, name or expiry edited)",
                            "find out who wrote it, then `\(remove)`")]
        }
        if let expires = key.expires, expires <= now {
            return [finding(.expired, .flag, "expired on \(Self.day(expires)); it can no longer open the repository",
                            "`\(remove)`" + (key.role == .admin ? "" : ", and `\(Self.addCommand(key))` if it is still needed"))]
        }
        var found: [AccessFinding] = []
        if key.role == .admin, key.expires == nil {
            found.append(finding(.adminWithoutExpiry, .flag, "an admin key that never expires",
                                 "add one that does (`\(Self.addCommand(key))`), then `\(remove)`"))
        }
        let staleAfter = TimeInterval(options.staleDays) * Self.day
        if let lastUsed = key.lastUsed {
            if now.timeIntervalSince(lastUsed) >= staleAfter {
                found.append(finding(.stale, .flag, "not used for \(Self.days(now.timeIntervalSince(lastUsed))) days "
                                     + "(last on \(Self.day(lastUsed)); stale after \(options.staleDays))",
                                     "if it is no longer needed, `\(remove)`"))
            }
        } else if now.timeIntervalSince(key.created) >= staleAfter {
            found.append(finding(.neverUsed, .flag, "never used since it was added on \(Self.day(key.created)) "
                                 + "(\(Self.days(now.timeIntervalSince(key.created))) days ago)",
                                 "if it is not needed, `\(remove)`"))
        } else {
            found.append(finding(.neverUsed, .warning, "not used yet (added on \(Self.day(key.created)))",
                                 "nothing to do yet: it is flagged if still unused \(options.staleDays) days after it was added"))
        }
        if let expires = key.expires, options.expiryWarningDays > 0,
           expires.timeIntervalSince(now) <= TimeInterval(options.expiryWarningDays) * Self.day {
            found.append(finding(.expiresSoon, .warning, "expires on \(Self.day(expires)) "
                                 + "(in \(Self.days(expires.timeIntervalSince(now), roundingUp: true)) days)",
                                 "if it is still needed, add its successor before then (`\(Self.addCommand(key))`)"))
        }
        if key.epoch < key.repositoryEpoch {
            found.append(finding(.behindEpoch, .flag, "holds key epoch \(key.epoch) but the repository's is \(key.repositoryEpoch): "
                                 + "it can read but not write",
                                 "if it is still needed, run `kura key rotate` with an admin key; otherwise `\(remove)`"))
        }
        return found
    }

    /// The `kura key add` line for a key like this one, with an expiry to fill in.
    static func addCommand(_ key: AccessReview.Key) -> String {
        "kura key add --role \(key.role.rawValue) --name \(ShellWords.quote(key.name)) --expires YYYY-MM-DD"
    }

    static func day(_ date: Date) -> String { String(KuraTime.format(date).prefix(10)) }

    static func days(_ interval: TimeInterval, roundingUp: Bool = false) -> Int {
        Int(roundingUp ? (interval / Self.day).rounded(.up) : (interval / Self.day).rounded(.down))
    }
}
