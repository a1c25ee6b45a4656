import KuraStorage

extension Repository {
    /// Generation and drill records that `log` says exist but storage does not hold.
    public func missingRecords(log: AuditLog) async throws -> [(object: String, reason: String)] {
        let generations = Set(try await backend.list(.generations).map(\.name.name))
        let drills = Set(try await backend.list(.drills).map(\.name.name))
        return AuditedRecords(log: log).missing(generations: generations, drills: drills)
    }
}
