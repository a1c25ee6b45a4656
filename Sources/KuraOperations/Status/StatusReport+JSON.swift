import Foundation
import KuraRepository

extension StatusReport {
    /// The report as the stable JSON document of `kura status --json` (docs/STATUS.md):
    /// snake_case keys, times in RFC 3339, durations in seconds, null for what is unknown.
    public func jsonDocument() throws -> Data {
        let document: [String: Any] = [
            "version": 1,
            "time": KuraTime.format(time),
            "policy": policyFile ?? NSNull(),
            "in_breach": inBreach,
            "subjects": subjects.map(\.jsonObject),
            "repositories": repositories.map(\.jsonObject),
        ]
        return try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }
}

private func nullable(_ value: Any?) -> Any { value ?? NSNull() }

extension SubjectStatus {
    var jsonObject: [String: Any] {
        [
            "name": name,
            "in_policy": inPolicy,
            "priority": nullable(priority),
            "rpo_seconds": nullable(rpo),
            "rto_seconds": nullable(rto),
            "drill_every_seconds": nullable(drillPolicy?.every),
            "drill_sample": nullable(drillPolicy?.sample),
            "state": state.rawValue,
            "needs_backup": needsBackup,
            "drill_overdue": drillOverdue,
            "last_drill": nullable(lastDrill?.jsonObject),
            "generations": generationCount,
            "breaches": breaches,
            "warnings": warnings,
            "repositories": copies.map(\.jsonObject),
        ]
    }
}

extension SubjectCopyStatus {
    var jsonObject: [String: Any] {
        [
            "repository": repository,
            "location": location,
            "primary": isPrimary,
            "readable": unreadable == nil,
            "error": nullable(unreadable),
            "generations": generationCount,
            "newest": nullable(newest.map { newest -> [String: Any] in
                ["number": newest.number, "time": KuraTime.format(newest.time), "age_seconds": newest.age.rounded(),
                 "host": newest.host, "bytes": newest.bytes]
            }),
            "rpo_state": rpoState.rawValue,
            "due_at": nullable(dueAt.map(KuraTime.format)),
            "breach_at": nullable(breachAt.map(KuraTime.format)),
            "drills": drills.count,
            "last_drill": nullable(lastDrill?.jsonObject),
        ]
    }
}

extension DrillSummary {
    var jsonObject: [String: Any] {
        [
            "repository": repository,
            "generation": generationNumber,
            "time": KuraTime.format(time),
            "host": host,
            "sample": sample,
            "seconds": seconds,
            "estimated_full_seconds": estimatedFullSeconds,
            "rto_seconds": nullable(rto),
            "mismatches": mismatches,
            "result": result.rawValue,
        ]
    }
}

extension RepositoryStatus {
    var jsonObject: [String: Any] {
        [
            "name": name,
            "location": location,
            "readable": unreadable == nil,
            "error": nullable(unreadable),
            "generations": generationCount,
            "drills": drillCount,
            "subjects": subjectCount,
            "damaged_records": damagedRecords,
        ]
    }
}
