import KuraRepository

extension Checker {
    /// Key slots and epoch envelopes that disagree with the audit log (docs/KEYS.md, "Membership").
    func keyProblems() async throws -> [CheckProblem] {
        try await repository.keyProblems().map { CheckProblem(object: $0.object, reason: $0.reason, affected: []) }
    }
}
