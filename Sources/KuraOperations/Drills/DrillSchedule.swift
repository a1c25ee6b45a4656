import Foundation
import KuraRepository

/// When drills are due, for `kura run`: a subject with a `drill` policy is due when it has no
/// drill record yet, or its latest is at least `every` old. A failed drill counts as a drill:
/// it is reported (status, exit code), not retried at every run.
public enum DrillSchedule {
    /// Whether a drill under `policy` whose latest record is `last` is due at `now`.
    public static func isDue(_ policy: DrillPolicy, last: DrillRecord?, at now: Date) -> Bool {
        guard let last else { return true }
        return now.timeIntervalSince(last.time) >= policy.every
    }

    /// The subjects of `subjects` (kept in their order: the policy's priority order) with a
    /// drill due at `now`, given the drill records of their repositories (any order, any subject).
    public static func dueSubjects(_ subjects: [SubjectPolicy], records: [DrillRecord], at now: Date) -> [SubjectPolicy] {
        let latest = latestBySubject(records)
        return subjects.filter { subject in
            guard let drill = subject.drill else { return false }
            return isDue(drill, last: latest[subject.name], at: now)
        }
    }

    /// Each subject's most recent drill record (by drill time), for judging RTOs and schedules.
    public static func latestBySubject(_ records: [DrillRecord]) -> [String: DrillRecord] {
        var latest: [String: DrillRecord] = [:]
        for record in records where latest[record.subject].map({ record.time > $0.time }) ?? true {
            latest[record.subject] = record
        }
        return latest
    }
}
