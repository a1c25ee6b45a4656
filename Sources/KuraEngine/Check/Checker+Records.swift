import KuraRepository

extension Checker {
    /// Drill records that cannot be read, and generation and drill records that the audit
    /// log names but storage no longer holds.
    func recordProblems() async throws -> [CheckProblem] {
        let damaged = try await repository.drills().damaged.map { name, error in
            CheckProblem(object: "drill record \(name.prefix(8))", reason: "\(error)", affected: [])
        }
        let missing = try await repository.missingRecords(log: try await repository.auditLog()).map {
            CheckProblem(object: $0.object, reason: $0.reason, affected: [])
        }
        return damaged + missing
    }

    /// A warning when nothing signed vouches for `config/config` (its values were checked).
    var configWarnings: [String] {
        guard case .unauthenticated(let reason) = repository.configAuthentication else { return [] }
        return ["config/config is not authenticated (\(reason)); its values were checked and are valid"]
    }
}
