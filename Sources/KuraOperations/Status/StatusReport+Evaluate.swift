import Foundation
import KuraRepository

extension StatusReport {
    /// The status of every subject at `now`.
    ///
    /// With a policy, each policy subject is judged in each of its repositories (primary
    /// first); subjects found in a repository but not in the policy are listed after them,
    /// without targets. Without a policy (`policy` nil), every subject in the repositories is
    /// listed without targets. A repository that cannot be read is a breach for its subjects.
    /// Only the repositories in `records` are judged: a subject none of whose repositories
    /// is among them is left out (so `kura status --repo NAME` shows that repository alone).
    public static func evaluate(policy: Policy?, records: [RepositoryRecords], now: Date) -> StatusReport {
        var subjects: [SubjectStatus] = []
        for subject in policy?.subjects ?? [] {
            let copies = subject.repositories.enumerated().compactMap { position, name -> SubjectCopyStatus? in
                guard let repository = records.first(where: { $0.name == name }) else { return nil }
                return copy(of: subject.name, in: repository, isPrimary: position == 0, rpo: subject.rpo,
                            rto: subject.rto, now: now)
            }
            if copies.isEmpty, !subject.repositories.isEmpty { continue }
            subjects.append(judge(name: subject.name, inPolicy: true, priority: subject.priority, rpo: subject.rpo,
                                  rto: subject.rto, drillPolicy: subject.drill, copies: copies, now: now))
        }
        let known = Set(subjects.map(\.name))
        var found: [String: [SubjectCopyStatus]] = [:]
        for repository in records {
            guard let contents = repository.readContents else { continue }
            let names = Set(contents.generations.map(\.subject) + contents.drills.map(\.subject)).subtracting(known)
            for name in names {
                found[name, default: []].append(copy(of: name, in: repository, isPrimary: found[name] == nil,
                                                     rpo: nil, rto: nil, now: now))
            }
        }
        for name in found.keys.sorted() {
            subjects.append(judge(name: name, inPolicy: false, priority: nil, rpo: nil, rto: nil, drillPolicy: nil,
                                  copies: found[name] ?? [], now: now))
        }
        return StatusReport(time: now, policyFile: policy?.file, subjects: subjects,
                            repositories: records.map(repositoryStatus))
    }

    private static func copy(of subject: String, in repository: RepositoryRecords, isPrimary: Bool,
                             rpo: TimeInterval?, rto: TimeInterval?, now: Date) -> SubjectCopyStatus {
        var copy = SubjectCopyStatus(repository: repository.name, location: repository.location, isPrimary: isPrimary,
                                     unreadable: nil, generationCount: 0, generationMarks: [], newest: nil,
                                     rpoState: rpo == nil ? .noTarget : .breached, dueAt: nil, breachAt: nil, drills: [])
        guard let contents = repository.readContents else {
            if case .unreadable(let reason) = repository.contents { copy.unreadable = reason }
            copy.rpoState = .breached
            return copy
        }
        let generations = contents.generations.filter { $0.subject == subject }.sorted { $0.time < $1.time }
        copy.generationCount = generations.count
        copy.generationMarks = generations.map { GenerationMark(number: $0.number, time: $0.time) }
        if let newest = generations.last {
            copy.newest = GenerationSummary(number: newest.number, time: newest.time,
                                            age: bounded(now.timeIntervalSince(newest.time)), host: newest.host,
                                            bytes: newest.summary.bytes)
            if let rpo {
                copy.dueAt = newest.time.addingTimeInterval(rpo - RPOState.safetyMargin(for: rpo))
                copy.breachAt = newest.time.addingTimeInterval(rpo)
                copy.rpoState = TargetState(RPOState.of(age: now.timeIntervalSince(newest.time), rpo: rpo))
            }
        }
        copy.drills = contents.drills.filter { $0.subject == subject }.sorted { $0.time < $1.time }.map { record in
            // The stricter of the RTO in force and the one the drill ran with: status never
            // passes a drill that itself reported its RTO breached.
            let target = [rto, record.rtoSeconds].compactMap { $0 }.min()
            let result = record.verdict(against: target)
            return DrillSummary(repository: repository.name, generationNumber: record.generationNumber, time: record.time,
                                host: record.host, sample: bounded(record.sample), seconds: bounded(record.seconds),
                                estimatedFullSeconds: bounded(record.estimatedFullSeconds), rto: target,
                                mismatches: record.mismatches.count, result: result)
        }
        return copy
    }

    private static func judge(name: String, inPolicy: Bool, priority: Int?, rpo: TimeInterval?, rto: TimeInterval?,
                              drillPolicy: DrillPolicy?, copies: [SubjectCopyStatus], now: Date) -> SubjectStatus {
        var breaches: [String] = []
        var warnings: [String] = []
        for copy in copies {
            if let reason = copy.unreadable {
                breaches.append("repository \(copy.repository) cannot be read: \(reason)")
            } else if copy.rpoState == .breached, let rpo {
                if let newest = copy.newest {
                    breaches.append("RPO breached in \(copy.repository): newest generation \(name)@\(newest.number) "
                                    + "is \(Durations.format(newest.age)) old, RPO \(Durations.format(rpo))")
                } else {
                    breaches.append("RPO breached in \(copy.repository): no generation at all")
                }
            }
            if let drill = copy.lastDrill {
                switch drill.result {
                case .failed:
                    breaches.append("last drill in \(copy.repository) (\(name)@\(drill.generationNumber)) failed: "
                                    + "\(drill.mismatches) file(s) did not match")
                case .overRTO:
                    breaches.append("last drill in \(copy.repository) expects a full restore to take "
                                    + "\(Durations.formatMeasured(drill.estimatedFullSeconds)), over the RTO of "
                                    + "\(Durations.format(drill.rto ?? 0))")
                case .passed:
                    break
                }
            }
        }
        let lastDrill = copies.compactMap(\.lastDrill).max { $0.time < $1.time }
        var drillOverdue = false
        if let drillPolicy {
            if let lastDrill {
                drillOverdue = now.timeIntervalSince(lastDrill.time) > drillPolicy.every
                if drillOverdue {
                    warnings.append("drill overdue: the last ran \(Durations.format(now.timeIntervalSince(lastDrill.time))) "
                                    + "ago, one is due every \(Durations.format(drillPolicy.every))")
                }
            } else {
                drillOverdue = true
                warnings.append("drill overdue: no drill has run yet (run kura drill \(name))")
            }
        }
        if copies.isEmpty, inPolicy { breaches.append("the policy names no repository for it") }
        var state = copies.map(\.rpoState).max() ?? .noTarget
        if !breaches.isEmpty { state = .breached }
        return SubjectStatus(name: name, inPolicy: inPolicy, priority: priority, rpo: rpo, rto: rto, drillPolicy: drillPolicy,
                             copies: copies, lastDrill: lastDrill, drillOverdue: drillOverdue, state: state,
                             breaches: breaches, warnings: warnings)
    }

    /// A recorded number kept within what reports can print (about ±30,000 years in seconds).
    static func bounded(_ value: Double) -> Double {
        value.isFinite ? min(max(value, -1e12), 1e12) : 0
    }

    private static func repositoryStatus(_ records: RepositoryRecords) -> RepositoryStatus {
        var status = RepositoryStatus(name: records.name, location: records.location, unreadable: nil, generationCount: 0,
                                      drillCount: 0, subjectCount: 0, damagedRecords: [], keys: [])
        switch records.contents {
        case .unreadable(let reason):
            status.unreadable = reason
        case .read(let contents):
            status.generationCount = contents.generations.count
            status.drillCount = contents.drills.count
            status.subjectCount = Set(contents.generations.map(\.subject)).count
            status.damagedRecords = contents.damagedRecords
            status.keys = contents.keys
        }
        return status
    }
}
