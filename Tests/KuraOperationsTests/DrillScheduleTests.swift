import Foundation
import KuraOperations
import KuraRepository
import Testing

@Suite struct DrillScheduleTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func subject(_ name: String, priority: Int, every: String?) -> SubjectPolicy {
        var subject = SubjectPolicy(name: name, paths: ["/\(name)"], repositories: ["main"])
        subject.priority = priority
        subject.drill = every.map { DrillPolicy(every: Durations.parse($0)!, sample: 0.1) }
        return subject
    }

    static func record(_ subject: String, daysAgo: Double, passed: Bool = true) -> DrillRecord {
        DrillRecord(subject: subject, generation: GenerationID(bytes: [UInt8](repeating: 1, count: 32)), generationNumber: 1,
                    time: now.addingTimeInterval(-daysAgo * 86_400), host: "h", sample: 0.1, files: 1, bytes: 1,
                    totalBytes: 10, seconds: 1, estimatedFullSeconds: 10, rtoSeconds: nil,
                    mismatches: passed ? [] : ["/x: damaged"], writer: KeyID(bytes: [UInt8](repeating: 2, count: 32)))
    }

    @Test func dueWhenNeverDrilledOrTheLatestIsOlderThanEvery() {
        let policy = Policy(file: "kura.toml", repositories: [:], subjects: [
            Self.subject("web", priority: 20, every: "7d"),
            Self.subject("db", priority: 1, every: "1d"),
            Self.subject("logs", priority: 50, every: nil),
            Self.subject("home", priority: 10, every: "30d"),
            Self.subject("etc", priority: 30, every: "7d"),
        ])
        let records = [
            Self.record("db", daysAgo: 3), Self.record("db", daysAgo: 0.5),  // latest is fresh
            Self.record("web", daysAgo: 8),                                  // stale
            Self.record("home", daysAgo: 40), Self.record("home", daysAgo: 29, passed: false), // a failed drill counts
            Self.record("logs", daysAgo: 400),                               // no drill policy: never due
        ]
        let due = DrillSchedule.dueSubjects(policy.subjects, records: records.shuffled(), at: Self.now)
        #expect(due.map(\.name) == ["web", "etc"], "priority order; etc never drilled")
        let latest = DrillSchedule.latestBySubject(records.shuffled())
        #expect(latest["home"]?.passed == false && latest["db"]?.time == Self.now.addingTimeInterval(-0.5 * 86_400))

        let options = DrillOptions(subject: policy.subject(named: "db")!, scratchRoot: "/var/tmp")
        #expect(options.sample == 0.1 && options.rto == nil && options.subject == "db")
        var withRTO = Self.subject("x", priority: 1, every: nil)
        withRTO.rto = 3600
        let defaults = DrillOptions(subject: withRTO, scratchRoot: "/s")
        #expect(defaults.sample == DrillOptions.defaultSample && defaults.rto == 3600)
    }

    @Test func exactlyEveryIsDueAndAFutureRecordIsNot() throws {
        let drill = DrillPolicy(every: 86_400, sample: 0.1)
        #expect(DrillSchedule.isDue(drill, last: nil, at: Self.now))
        #expect(DrillSchedule.isDue(drill, last: Self.record("s", daysAgo: 1), at: Self.now))
        #expect(!DrillSchedule.isDue(drill, last: Self.record("s", daysAgo: 0.999), at: Self.now))
        #expect(!DrillSchedule.isDue(drill, last: Self.record("s", daysAgo: -1), at: Self.now))
    }
}
