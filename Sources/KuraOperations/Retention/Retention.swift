import Foundation

/// restic's keep rules applied to one subject's generations (docs/RETENTION.md): each rule
/// keeps some generations, and a generation is kept when any rule keeps it.
public enum Retention {
    /// Calendar buckets are computed in UTC, so a decision never depends on the zone of the
    /// host that runs `forget` (restic uses the zone recorded with each snapshot).
    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        return calendar
    }()

    static let isoWeekCalendar: Calendar = {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = Retention.calendar.timeZone
        return calendar
    }()

    /// Decides, for the generations of one or more subjects, which are kept (and by which
    /// rules) and which are removed. Each subject is decided on its own.
    /// - Parameter now: generations after `now` do not count as the newest for keep-within
    ///   (a clock set wrong once must not make every older generation look old).
    public static func plan(_ candidates: [RetentionCandidate], rules: KeepRules, now: Date) -> [SubjectRetention] {
        let bySubject = Dictionary(grouping: candidates, by: \.subject)
        return bySubject.keys.sorted().map { subject in
            plan(subject: subject, bySubject[subject] ?? [], rules: rules, now: now)
        }
    }

    static func plan(subject: String, _ candidates: [RetentionCandidate], rules: KeepRules, now: Date) -> SubjectRetention {
        // Newest first; equal times are ordered by number (the later backup is newer), then ID.
        let newestFirst = candidates.sorted { a, b in
            if a.time != b.time { return a.time > b.time }
            if a.number != b.number { return a.number > b.number }
            return a.id > b.id
        }
        guard rules.hasAnyRule else {
            return SubjectRetention(subject: subject, kept: [], removed: [],
                                    unchanged: newestFirst.map { RetentionDecision(candidate: $0, reasons: []) })
        }
        var counters = BucketRule.allCases.map { rule in Counter(rule: rule, left: rules.count(for: rule)) }
        let newest = newestFirst.first { $0.time <= now }?.time
        var lastWithinBucket: [BucketRule: Int] = [:]
        var kept: [RetentionDecision] = []
        var removed: [RetentionDecision] = []
        for (position, candidate) in newestFirst.enumerated() {
            var reasons: [KeepReason] = []
            if let within = rules.within, !within.isZero {
                // With every generation in the future there is no newest to measure from: keep all.
                if newest.map({ candidate.time > within.start(before: $0) }) ?? true {
                    reasons.append(.within(within))
                }
            }
            for rule in BucketRule.allCases {
                // Newest first, so the first generation seen in a bucket is that bucket's newest.
                guard let span = rules.withinBuckets[rule], !span.isZero, let newest,
                      candidate.time > span.start(before: newest) else { continue }
                let bucket = rule.bucket(of: candidate.time, position: position)
                if bucket != lastWithinBucket[rule] {
                    lastWithinBucket[rule] = bucket
                    reasons.append(.bucketWithin(rule, span))
                }
            }
            let isOldest = position == newestFirst.count - 1
            for index in counters.indices where counters[index].left > 0 {
                let bucket = counters[index].rule.bucket(of: candidate.time, position: position)
                if bucket != counters[index].last {
                    counters[index].last = bucket
                    counters[index].left -= 1
                    reasons.append(.bucket(counters[index].rule, oldest: false))
                } else if isOldest {
                    // As restic does: a rule with counts left also keeps the oldest generation,
                    // so the history kept reaches as far back as it can.
                    counters[index].left -= 1
                    reasons.append(.bucket(counters[index].rule, oldest: true))
                }
            }
            let decision = RetentionDecision(candidate: candidate, reasons: reasons)
            if reasons.isEmpty { removed.append(decision) } else { kept.append(decision) }
        }
        return SubjectRetention(subject: subject, kept: kept, removed: removed, unchanged: [])
    }

    private struct Counter {
        let rule: BucketRule
        var left: Int
        var last: Int?
    }
}

/// The counted rules: keep-last and the calendar buckets.
public enum BucketRule: String, CaseIterable, Sendable {
    case last, hourly, daily, weekly, monthly, yearly

    /// The bucket a generation falls in; keep-last puts every generation in its own.
    func bucket(of time: Date, position: Int) -> Int {
        let calendar = Retention.calendar
        switch self {
        case .last:
            return position
        case .hourly:
            let c = calendar.dateComponents([.year, .month, .day, .hour], from: time)
            return (c.year ?? 0) * 1_000_000 + (c.month ?? 0) * 10_000 + (c.day ?? 0) * 100 + (c.hour ?? 0)
        case .daily:
            let c = calendar.dateComponents([.year, .month, .day], from: time)
            return (c.year ?? 0) * 10_000 + (c.month ?? 0) * 100 + (c.day ?? 0)
        case .weekly:
            let c = Retention.isoWeekCalendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: time)
            return (c.yearForWeekOfYear ?? 0) * 100 + (c.weekOfYear ?? 0)
        case .monthly:
            let c = calendar.dateComponents([.year, .month], from: time)
            return (c.year ?? 0) * 100 + (c.month ?? 0)
        case .yearly:
            return calendar.component(.year, from: time)
        }
    }
}
