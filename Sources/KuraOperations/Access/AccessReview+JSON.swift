import Foundation
import KuraRepository

extension AccessReview {
    /// The review as the stable JSON document of `kura access-review --json`
    /// (docs/ACCESS-REVIEW.md): snake_case keys, times in RFC 3339, null for what is unknown.
    public func jsonDocument() throws -> Data {
        let document: [String: Any] = [
            "version": 1,
            "time": KuraTime.format(time),
            "stale_days": options.staleDays,
            "expiry_warning_days": options.expiryWarningDays,
            "flagged": isFlagged,
            "counts": [
                "keys": keys.count,
                "flags": flags.count,
                "warnings": warnings.count,
                "roles": Dictionary(uniqueKeysWithValues: Role.allCases.map { ($0.rawValue, keys(in: $0).count) }),
                "kinds": Dictionary(uniqueKeysWithValues: AccessFinding.Kind.allCases.map { kind in
                    (kind.rawValue, findings.filter { $0.kind == kind }.count)
                }),
            ],
            "keys": keys.map { key -> [String: Any] in
                [
                    "id": key.id.hex,
                    "name": key.name,
                    "role": key.role.rawValue,
                    "created": KuraTime.format(key.created),
                    "created_by": key.createdBy.map(\.hex) ?? NSNull(),
                    "expires": key.expires.map(KuraTime.format) ?? NSNull(),
                    "last_used": key.lastUsed.map(KuraTime.format) ?? NSNull(),
                    "trusted": key.trusted,
                    "current": key.current,
                    "findings": findings(for: key).map(\.kind.rawValue),
                ]
            },
            "findings": findings.map { finding -> [String: Any] in
                [
                    "kind": finding.kind.rawValue,
                    "severity": finding.severity.rawValue,
                    "key": finding.key.id.hex,
                    "name": finding.key.name,
                    "role": finding.key.role.rawValue,
                    "problem": finding.problem,
                    "action": finding.action,
                ]
            },
            "audit_entry": recorded.map { ["sequence": $0.sequence, "id": $0.id.hex] as [String: Any] } ?? NSNull(),
        ]
        return try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }
}
