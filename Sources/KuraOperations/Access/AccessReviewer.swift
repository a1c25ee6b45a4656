import Foundation
import KuraRepository

/// Runs an access review on an opened repository and records it in the audit log.
public struct AccessReviewer {
    /// The roles that may review access: admins, and auditors (whose job it is). A review
    /// reads only key slots and records, which an auditor key can read.
    public static let roles: [Role] = [.admin, .auditor]

    let repository: Repository

    public init(repository: Repository) { self.repository = repository }

    /// Refuses other roles before reading anything, builds the review from `kura key list`'s
    /// facts, then appends an `access-review` audit entry signed by the acting key.
    public func run(options: AccessReview.Options = AccessReview.Options(), now: Date = KuraClock.now) async throws -> AccessReview {
        let current = repository.keySlot
        guard Self.roles.contains(current.role) else {
            throw KeyError.roleCannot(role: current.role, action: "review access (admin and auditor keys can)")
        }
        let epoch = repository.keyEpoch.repository
        let keys = try await repository.keyListing().map {
            AccessReview.Key($0, current: $0.slot.id == current.id, repositoryEpoch: epoch)
        }
        var review = AccessReview.evaluate(keys: keys, now: now, options: options)
        let stored = try await repository.appendAudit("access-review", details: review.auditDetails)
        review.recorded = AuditHead(sequence: stored.entry.sequence, id: stored.id)
        return review
    }
}

extension AccessReview {
    /// What the audit entry records: counts of keys (in all and per role) and of findings
    /// (per kind, zeros included), the thresholds, and the keys flagged (short IDs).
    public var auditDetails: [String: String] {
        var details = [
            "keys": String(keys.count),
            "roles": Role.allCases.map { "\($0.rawValue)=\(keys(in: $0).count)" }.joined(separator: ","),
            "flags": String(flags.count),
            "warnings": String(warnings.count),
            "stale-days": String(options.staleDays),
            "expiry-warning-days": String(options.expiryWarningDays),
        ]
        for kind in AccessFinding.Kind.allCases {
            details[kind.rawValue] = String(findings.filter { $0.kind == kind }.count)
        }
        var flagged: [String] = []
        for finding in flags where !flagged.contains(finding.key.id.short) { flagged.append(finding.key.id.short) }
        if !flagged.isEmpty { details["flagged"] = flagged.prefix(100).joined(separator: ",") }
        return details
    }
}
