import Foundation

extension KeepRules {
    /// Whether any rule keeps something. A count of 0 is no rule (as in restic), so
    /// `--keep-last 0` alone can never mean "forget everything".
    public var hasAnyRule: Bool {
        BucketRule.allCases.contains { count(for: $0) > 0 } || within.map { !$0.isZero } == true
            || withinBuckets.values.contains { !$0.isZero }
    }

    /// The count a counted rule keeps; 0 when the rule is not set.
    public func count(for rule: BucketRule) -> Int {
        let value: Int? = switch rule {
        case .last: last
        case .hourly: hourly
        case .daily: daily
        case .weekly: weekly
        case .monthly: monthly
        case .yearly: yearly
        }
        return max(0, value ?? 0)
    }

    /// The rules as flags would spell them, for reports: "last 3, daily 7, within 30d".
    public var summary: String {
        var parts = BucketRule.allCases.compactMap { rule -> String? in
            let count = count(for: rule)
            guard count > 0 else { return nil }
            return count == Int.max ? "\(rule.rawValue) unlimited" : "\(rule.rawValue) \(count)"
        }
        if let within, !within.isZero { parts.append("within \(within)") }
        for rule in BucketRule.allCases {
            if let span = withinBuckets[rule], !span.isZero { parts.append("\(rule.rawValue) within \(span)") }
        }
        return parts.isEmpty ? "no rule" : parts.joined(separator: ", ")
    }
}
