import Foundation
import KuraRepository

/// `kura access-review`: every live key by role with its last use and expiry, and the
/// findings an admin should act on (docs/ACCESS-REVIEW.md). Built from plain key facts and a
/// time, so the rules are tested without a repository.
public struct AccessReview: Sendable {
    /// The thresholds of a review.
    public struct Options: Sendable, Equatable {
        /// A key not used for this many days is stale (default 90: one quarter, the usual
        /// access-review cycle).
        public var staleDays: Int
        /// A key expiring within this many days is a warning (default 14; 0: never).
        public var expiryWarningDays: Int

        public static let defaultStaleDays = 90
        public static let defaultExpiryWarningDays = 14
        /// The largest threshold accepted (about a century).
        public static let maximumDays = 36_500

        public init(staleDays: Int = defaultStaleDays, expiryWarningDays: Int = defaultExpiryWarningDays) {
            self.staleDays = staleDays
            self.expiryWarningDays = expiryWarningDays
        }
    }

    /// One key, as the review sees it.
    public struct Key: Sendable, Equatable {
        public var id: KeyID
        public var name: String
        public var role: Role
        public var created: Date
        public var createdBy: KeyID?
        public var expires: Date?
        /// The newest audit entry, generation or drill record it signed (nil: none).
        public var lastUsed: Date?
        /// Whether its certification chain reaches the repository's trust root.
        public var trusted: Bool
        /// Whether it is the key running the review.
        public var current: Bool
        /// The newest key epoch it holds, and the repository's (docs/KEYS.md, "Rotation").
        public var epoch: Int
        public var repositoryEpoch: Int

        public init(id: KeyID, name: String, role: Role, created: Date, createdBy: KeyID? = nil, expires: Date? = nil,
                    lastUsed: Date? = nil, trusted: Bool = true, current: Bool = false, epoch: Int = 0, repositoryEpoch: Int = 0) {
            self.id = id
            self.name = name
            self.role = role
            self.created = created
            self.createdBy = createdBy
            self.expires = expires
            self.lastUsed = lastUsed
            self.trusted = trusted
            self.current = current
            self.epoch = epoch
            self.repositoryEpoch = repositoryEpoch
        }

        public init(_ listing: KeyListing, current: Bool, repositoryEpoch: Int) {
            let slot = listing.slot
            self.init(id: slot.id, name: slot.name, role: slot.role, created: slot.created, createdBy: slot.createdBy,
                      expires: slot.expires, lastUsed: listing.lastUsed, trusted: listing.trusted, current: current,
                      epoch: listing.epoch, repositoryEpoch: repositoryEpoch)
        }
    }

    public let time: Date
    public let options: Options
    /// Grouped by role (admin, backup, restore, auditor), oldest first within a role.
    public let keys: [Key]
    /// Flags first, then warnings; each in the order of `keys`.
    public let findings: [AccessFinding]
    /// The audit entry that recorded the review (nil until recorded).
    public var recorded: AuditHead?

    public var flags: [AccessFinding] { findings.filter { $0.severity == .flag } }
    public var warnings: [AccessFinding] { findings.filter { $0.severity == .warning } }
    /// Whether anything calls for action: the command then exits 16.
    public var isFlagged: Bool { !flags.isEmpty }

    public func keys(in role: Role) -> [Key] { keys.filter { $0.role == role } }

    public func findings(for key: Key) -> [AccessFinding] { findings.filter { $0.key.id == key.id } }

    /// Applies the rules of `AccessFinding` to `keys` at `now`. The key running the review
    /// counts as used now: the review's own audit entry is signed by it.
    public static func evaluate(keys: [Key], now: Date, options: Options = Options()) -> AccessReview {
        let roleOrder = Dictionary(uniqueKeysWithValues: Role.allCases.enumerated().map { ($1, $0) })
        let sorted = keys.map { key -> Key in
            var key = key
            if key.current { key.lastUsed = max(key.lastUsed ?? now, now) }
            return key
        }.sorted { (roleOrder[$0.role] ?? 0, $0.created, $0.id) < (roleOrder[$1.role] ?? 0, $1.created, $1.id) }
        let all = sorted.flatMap { AccessFinding.findings(for: $0, now: now, options: options) }
        return AccessReview(time: now, options: options, keys: sorted,
                            findings: all.filter { $0.severity == .flag } + all.filter { $0.severity == .warning })
    }
}
