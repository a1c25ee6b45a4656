import Foundation
import Testing
@testable import KuraOperations

/// Keep rules over synthetic generation times: restic's documented examples, a brute-force
/// model over years of irregular backups, and edge cases.
@Suite struct RetentionTests {
    static func time(_ text: String) -> Date {
        KuraClockless.parse(text) ?? .distantPast
    }

    static func candidates(_ times: [Date], subject: String = "s") -> [RetentionCandidate] {
        times.sorted().enumerated().map { index, time in
            RetentionCandidate(subject: subject, number: index + 1, time: time, id: String(format: "%064x", index + 1))
        }
    }

    static func plan(_ times: [Date], _ rules: KeepRules, now: Date? = nil) -> SubjectRetention {
        let list = candidates(times)
        let plans = Retention.plan(list, rules: rules, now: now ?? (times.max() ?? Date()).addingTimeInterval(60))
        return plans.first ?? SubjectRetention(subject: "s", kept: [], removed: [], unchanged: [])
    }

    /// restic's forget documentation: one backup every Sunday for 12 weeks; --keep-daily 4
    /// keeps the last four Sundays.
    @Test func resticDocumentationTwelveSundays() {
        let sundays = (0..<12).map { Self.time("2019-09-01T11:00:00Z").addingTimeInterval(Double($0) * 7 * 86_400) }
        let result = Self.plan(sundays, KeepRules(daily: 4))
        #expect(result.kept.map(\.candidate.number) == [12, 11, 10, 9])
        #expect(result.kept.allSatisfy { $0.reasons == [.bucket(.daily, oldest: false)] })
        #expect(result.removed.map(\.candidate.number) == Array((1...8).reversed()))
        #expect(KuraClockless.format(result.kept.last?.candidate.time) == "2019-10-27T11:00:00Z")
    }

    /// restic's forget documentation: a backup every day for 100 years with --keep-daily 7
    /// --keep-weekly 5 --keep-monthly 12 --keep-yearly 75 keeps 7 dailies, 4 more weeklies,
    /// 11 more month ends and 73 more year ends (the newest ending on a Sunday).
    @Test func resticDocumentationHundredYearsOfDailies() {
        let newest = Self.time("2019-11-17T03:00:00Z")
        let days = (0..<36_525).map { newest.addingTimeInterval(-Double($0) * 86_400) }
        let result = Self.plan(days, KeepRules(daily: 7, weekly: 5, monthly: 12, yearly: 75))
        #expect(result.kept.count == 95)
        #expect(result.kept.count + result.removed.count == days.count)
        let reasonsByDay = Dictionary(uniqueKeysWithValues: result.kept.map {
            (String(KuraClockless.format($0.candidate.time).prefix(10)), $0.reasons.map(\.description))
        })
        #expect(reasonsByDay["2019-11-17"] == ["daily", "weekly", "monthly", "yearly"])
        #expect(reasonsByDay["2019-11-11"] == ["daily"])
        #expect(reasonsByDay["2019-11-10"] == ["weekly"])
        #expect(reasonsByDay["2019-10-20"] == ["weekly"])
        #expect(reasonsByDay["2019-10-13"] == nil)
        #expect(reasonsByDay["2019-10-31"] == ["monthly"])
        #expect(reasonsByDay["2018-12-31"] == ["monthly", "yearly"])
        #expect(reasonsByDay["2018-11-30"] == nil)
        #expect(reasonsByDay["1945-12-31"] == ["yearly"])
        #expect(reasonsByDay["1944-12-31"] == nil)
    }

    /// An independent model of the rules: for each rule, the distinct buckets newest first,
    /// the newest generation of each of the first N, and the oldest generation too while
    /// there are fewer than N buckets; keep-within by plain comparison.
    static func model(_ list: [RetentionCandidate], _ rules: KeepRules, now: Date) -> [Int: Set<String>] {
        let newestFirst = list.sorted { ($0.time, $0.number) > ($1.time, $1.number) }
        var reasons: [Int: Set<String>] = [:]
        for rule in BucketRule.allCases where rules.count(for: rule) > 0 {
            var seen: [Int] = []
            for (position, candidate) in newestFirst.enumerated() {
                let bucket = rule.bucket(of: candidate.time, position: position)
                if !seen.contains(bucket) {
                    seen.append(bucket)
                    if seen.count <= rules.count(for: rule) { reasons[candidate.number, default: []].insert(rule.rawValue) }
                }
            }
            if seen.count < rules.count(for: rule), let oldest = newestFirst.last,
               reasons[oldest.number]?.contains(rule.rawValue) != true {
                reasons[oldest.number, default: []].insert("oldest \(rule.rawValue)")
            }
        }
        if let within = rules.within, let newest = newestFirst.first(where: { $0.time <= now })?.time {
            // The rule sets below use days and hours only: fixed lengths in UTC.
            let span = TimeInterval(within.days) * 86_400 + within.seconds
            for candidate in newestFirst where candidate.time > newest.addingTimeInterval(-span) {
                reasons[candidate.number, default: []].insert("within \(within)")
            }
        }
        return reasons
    }

    static let ruleSets: [KeepRules] = [
        KeepRules(last: 5),
        KeepRules(hourly: 30),
        KeepRules(daily: 14, weekly: 8, monthly: 24, yearly: 10),
        KeepRules(last: 2, weekly: 3, within: KeepWithin(days: 10)),
        KeepRules(monthly: 500),
        KeepRules(hourly: 48, daily: 30, monthly: Int.max),
        KeepRules(within: KeepWithin(seconds: 3600)),
    ]

    /// Three years of irregular backups (bursts, gaps of weeks, several per hour) against the model.
    @Test(arguments: 0..<ruleSets.count) func matchesTheModelOverYears(ruleSet: Int) {
        var generator = SeededGenerator(seed: UInt64(ruleSet + 1) * 7919)
        var times: [Date] = []
        var time = Self.time("2023-01-01T00:00:00Z")
        while time < Self.time("2026-01-01T00:00:00Z") {
            times.append(time)
            let step: Double = switch generator.next() % 10 {
            case 0: Double(generator.next() % (21 * 86_400))
            case 1, 2: Double(generator.next() % 600)
            default: Double(generator.next() % (2 * 86_400))
            }
            time = time.addingTimeInterval(step)
        }
        let rules = Self.ruleSets[ruleSet]
        let now = Self.time("2026-01-05T00:00:00Z")
        let result = Retention.plan(Self.candidates(times), rules: rules, now: now)[0]
        let expected = Self.model(Self.candidates(times), rules, now: now)
        let actual = Dictionary(uniqueKeysWithValues: result.kept.map { ($0.candidate.number, Set($0.reasons.map(\.description))) })
        #expect(actual == expected, "rules \(rules.summary)")
        #expect(result.kept.count + result.removed.count == times.count)
        #expect(!result.kept.isEmpty && !result.removed.isEmpty, "the case decides something both ways")
        #expect(Set(result.removed.map(\.candidate.number)).isDisjoint(with: actual.keys))
    }

    @Test func countLargerThanTheGenerationsKeepsAll() {
        let times = (0..<3).map { Self.time("2025-03-01T10:00:00Z").addingTimeInterval(Double($0) * 86_400) }
        #expect(Self.plan(times, KeepRules(last: 10)).removed.isEmpty)
        let daily = Self.plan(times, KeepRules(daily: 10))
        #expect(daily.removed.isEmpty)
        #expect(daily.kept.allSatisfy { $0.reasons == [.bucket(.daily, oldest: false)] })
        // Three in one day with counts left: the newest of the day and, as restic does, the oldest.
        let sameDay = (0..<3).map { Self.time("2025-03-01T10:00:00Z").addingTimeInterval(Double($0) * 3600) }
        let result = Self.plan(sameDay, KeepRules(daily: 10))
        #expect(result.kept.map(\.candidate.number) == [3, 1])
        #expect(result.kept.last?.reasons == [.bucket(.daily, oldest: true)])
        #expect(result.removed.map(\.candidate.number) == [2])
    }

    @Test func tiesAreBrokenByGenerationNumber() {
        let same = Self.time("2025-06-01T12:00:00Z")
        let result = Self.plan([same, same, same], KeepRules(last: 1))
        #expect(result.kept.map(\.candidate.number) == [3])
        #expect(result.removed.map(\.candidate.number) == [2, 1])
        let hourly = Self.plan([same, same], KeepRules(hourly: 1))
        #expect(hourly.kept.map(\.candidate.number) == [2])
    }

    @Test func noRuleDecidesNothing() {
        let times = (0..<4).map { Self.time("2025-01-01T00:00:00Z").addingTimeInterval(Double($0) * 3600) }
        for rules in [KeepRules(), KeepRules(last: 0), KeepRules(last: 0, daily: 0, yearly: 0)] {
            #expect(!rules.hasAnyRule)
            let result = Self.plan(times, rules)
            #expect(result.kept.isEmpty && result.removed.isEmpty && result.unchanged.count == 4)
        }
        #expect(Retention.plan([], rules: KeepRules(last: 1), now: Date()).isEmpty)
    }

    /// Buckets are UTC calendar units; weeks are ISO weeks, which may straddle a year.
    @Test func bucketsFollowUTCAndISOWeeks() {
        let edges = ["2020-12-31T23:30:00Z", "2021-01-01T00:30:00Z"].map(Self.time)
        #expect(Self.plan(edges, KeepRules(yearly: 2)).removed.isEmpty)
        #expect(Self.plan(edges, KeepRules(monthly: 2)).removed.isEmpty)
        // Thursday 31 Dec 2020 and Sunday 3 Jan 2021 are both in ISO week 53 of 2020.
        let week = ["2020-12-31T10:00:00Z", "2021-01-03T10:00:00Z", "2021-01-04T10:00:00Z"].map(Self.time)
        let weekly = Self.plan(week, KeepRules(weekly: 2))
        #expect(weekly.kept.map(\.candidate.number) == [3, 2])
        #expect(weekly.removed.map(\.candidate.number) == [1])
        #expect(BucketRule.weekly.bucket(of: week[0], position: 0) == 202053)
        #expect(BucketRule.hourly.bucket(of: Self.time("2025-07-04T13:59:59Z"), position: 0) == 2025070413)
    }

    /// keep-within counts from the newest generation, not from now; generations dated in the
    /// future neither count as the newest nor get removed by it.
    @Test func keepWithinIsRelativeToTheNewestGeneration() {
        let times = ["2024-01-01T00:00:00Z", "2024-01-05T00:00:00Z", "2024-01-09T00:00:00Z", "2024-01-10T00:00:00Z"].map(Self.time)
        let now = Self.time("2025-06-01T00:00:00Z")
        let result = Self.plan(times, KeepRules(within: KeepWithin(days: 6)), now: now)
        #expect(result.kept.map(\.candidate.number) == [4, 3, 2])
        #expect(result.kept.first?.reasons.map(\.description) == ["within 6d"])
        // Exactly the duration before the newest is outside, as in restic.
        let boundary = Self.plan(times, KeepRules(within: KeepWithin(days: 9)), now: now)
        #expect(boundary.removed.map(\.candidate.number) == [1])
        let future = times + [Self.time("2030-01-01T00:00:00Z")]
        let withFuture = Self.plan(future, KeepRules(within: KeepWithin(days: 2)), now: now)
        #expect(withFuture.kept.map(\.candidate.number) == [5, 4, 3])
    }

    /// Months and years are calendar spans counted back from the newest generation as restic's
    /// AddDate does (31 August less 6 months is 3 March); `m` alone is refused, `min` is minutes.
    @Test func keepWithinCountsCalendarMonthsAndYears() throws {
        let newest = Self.time("2025-08-31T12:00:00Z")
        #expect(try KeepWithin(parsing: "6mo").start(before: newest) == Self.time("2025-03-03T12:00:00Z"))
        #expect(try KeepWithin(parsing: "1y").start(before: Self.time("2024-02-29T00:00:00Z")) == Self.time("2023-03-01T00:00:00Z"))
        #expect(try KeepWithin(parsing: "1y2mo3d4h").start(before: newest) == Self.time("2024-06-28T08:00:00Z"))
        #expect(try KeepWithin(parsing: "13mo").start(before: Self.time("2025-01-15T00:00:00Z")) == Self.time("2023-12-15T00:00:00Z"))
        #expect(try KeepWithin(parsing: "90min") == KeepWithin(seconds: 5400))
        #expect(try KeepWithin(parsing: "2w") == KeepWithin(days: 14))
        #expect(throws: KeepWithin.ParseError.ambiguousMinutesOrMonths("1m")) { try KeepWithin(parsing: "1m") }
        for bad in ["", "0d", "3x", "-2d", "d", "1.5d", "5"] {
            #expect(throws: KeepWithin.ParseError.invalid(bad)) { try KeepWithin(parsing: bad) }
        }

        let times = ["2025-01-31T00:00:00Z", "2025-03-02T00:00:00Z", "2025-03-04T00:00:00Z", "2025-08-31T00:00:00Z"].map(Self.time)
        let result = Self.plan(times, KeepRules(within: try KeepWithin(parsing: "6mo")), now: Self.time("2025-09-01T00:00:00Z"))
        #expect(result.kept.map(\.candidate.number) == [4, 3])
        #expect(result.kept.first?.reasons.map(\.description) == ["within 6mo"])
    }

    /// keep-within-monthly keeps the newest of each calendar month inside the span; the span's
    /// months are calendar months back from the newest (31 August less 6mo is 3 March).
    @Test func keepWithinBucketsUseCalendarSpans() throws {
        let times = ["2025-03-02T12:00:00Z", "2025-03-03T12:00:00Z",
                     "2025-07-01T00:00:00Z", "2025-07-15T00:00:00Z", "2025-08-31T00:00:00Z"].map(Self.time)
        let rules = KeepRules(withinBuckets: [.monthly: try KeepWithin(parsing: "6mo")])
        let result = Self.plan(times, rules, now: Self.time("2025-09-01T00:00:00Z"))
        #expect(result.kept.map(\.candidate.number) == [5, 4, 2])
        #expect(result.kept.first?.reasons.map(\.description) == ["monthly within 6mo"])
        #expect(rules.hasAnyRule && !rules.isEmpty)
        #expect(rules.summary == "monthly within 6mo")
    }

    @Test func subjectsAreDecidedSeparately() {
        let base = Self.time("2025-01-01T00:00:00Z")
        let list = Self.candidates((0..<5).map { base.addingTimeInterval(Double($0) * 60) }, subject: "a")
            + Self.candidates([base.addingTimeInterval(-86_400 * 100)], subject: "b")
        let plans = Retention.plan(list, rules: KeepRules(last: 2), now: base.addingTimeInterval(86_400))
        #expect(plans.map(\.subject) == ["a", "b"])
        #expect(plans[0].kept.count == 2 && plans[0].removed.count == 3)
        #expect(plans[1].kept.count == 1 && plans[1].removed.isEmpty)
    }

    @Test func rulesSummaryNamesEveryRule() {
        #expect(KeepRules(last: 3, daily: 7, monthly: Int.max, within: KeepWithin(days: 1, seconds: 7200)).summary == "last 3, daily 7, monthly unlimited, within 1d2h")
        #expect(KeepRules(last: 0).summary == "no rule")
    }
}

/// RFC 3339 in UTC for test data (independent of KuraClock's test-time override).
enum KuraClockless {
    static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    static func format(_ date: Date?) -> String {
        guard let date else { return "" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}

/// A small reproducible generator (xorshift), so failures can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed | 1 }
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}
