import Foundation
import KuraRepository

/// Where forget's rules come from: flags for every subject, or each subject's `keep` from
/// the policy file.
public enum RetentionRules: Sendable {
    case same(KeepRules)
    case policy(Policy)

    func rules(for subject: String) -> KeepRules? {
        switch self {
        case .same(let rules): rules
        case .policy(let policy): policy.subject(named: subject)?.keep
        }
    }
}

/// `forget`: applies keep rules to the repository's generations and deletes the records of
/// those no rule keeps. Their data stays until `prune`.
public struct Forgetter {
    let repository: Repository

    public init(repository: Repository) { self.repository = repository }

    /// What forget decided (and, unless `dryRun`, did), per subject.
    public struct Outcome: Sendable {
        public var subjects: [SubjectOutcome] = []
        /// Generation records that could not be read; never deleted by forget.
        public var damaged: [String] = []
        public var removedCount: Int { subjects.reduce(0) { $0 + $1.retention.removed.count } }
    }

    public struct SubjectOutcome: Sendable {
        public var rules: KeepRules
        public var retention: SubjectRetention
    }

    /// - Parameters:
    ///   - subject: only this subject (it must have generations).
    ///   - now: the current time, for keep-within's treatment of generations in the future.
    public func run(subject: String?, rules source: RetentionRules, dryRun: Bool,
                    now: Date = KuraClock.now) async throws -> Outcome {
        if case .same(let rules) = source, !rules.hasAnyRule { throw RetentionError.noRule }
        if !dryRun { try repository.require(.delete) }
        let (all, damaged) = try await repository.generations()
        var subjects = Set(all.map(\.generation.subject))
        if let subject {
            if case .policy(let policy) = source, policy.subject(named: subject) == nil {
                throw RetentionError.subjectNotInPolicy(subject, file: policy.file)
            }
            guard subjects.contains(subject) else { throw RetentionError.unknownSubject(subject) }
            subjects = [subject]
        }
        if case .policy(let policy) = source {
            let withRules = policy.subjects.filter { $0.keep.hasAnyRule && subjects.contains($0.name) }
            if withRules.isEmpty { throw RetentionError.noRuleInPolicy(file: policy.file) }
        }
        var outcome = Outcome(damaged: damaged.map { String($0.0.prefix(8)) })
        for name in subjects.sorted() {
            let rules = source.rules(for: name) ?? KeepRules()
            let candidates = all.filter { $0.generation.subject == name }.map {
                RetentionCandidate(subject: name, number: $0.generation.number, time: $0.generation.time, id: $0.id.hex)
            }
            let retention = Retention.plan(subject: name, candidates, rules: rules, now: now)
            outcome.subjects.append(SubjectOutcome(rules: rules, retention: retention))
        }
        if !dryRun, outcome.removedCount > 0 {
            try await repository.requireDeletes(for: "forget")
            // Logged first: a crash midway leaves records the log calls forgotten, never
            // deleted records the log does not account for (which check reports).
            try await repository.appendAudit("forget", details: Self.auditDetails(outcome))
            for subject in outcome.subjects {
                for decision in subject.retention.removed {
                    guard let id = GenerationID(hex: decision.candidate.id) else { continue }
                    try await repository.delete(generation: id)
                }
            }
        }
        return outcome
    }

    /// What the audit log records: the generations removed (the first 200 by name, every one
    /// by ID for `AuditedRecords`) and the rules.
    static func auditDetails(_ outcome: Outcome) -> [String: String] {
        let decisions = outcome.subjects.flatMap(\.retention.removed)
        let removed = decisions.map(\.candidate.name)
        let rules = outcome.subjects.filter { !$0.retention.removed.isEmpty }.map { "\($0.retention.subject): \($0.rules.summary)" }
        return ["count": String(removed.count),
                "generations": removed.prefix(200).joined(separator: " ") + (removed.count > 200 ? " …" : ""),
                "ids": decisions.map { String($0.candidate.id.prefix(AuditedRecords.forgottenIDLength)) }.joined(separator: " "),
                "rules": rules.joined(separator: "; ")]
    }
}
