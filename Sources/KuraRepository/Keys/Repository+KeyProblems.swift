/// What is wrong with the repository's keys by its signed state (the audit log), for
/// `check`, `audit verify` and `access-review` to name.
public struct KeyProblem: Sendable {
    /// "key slot 3f5a19c2", "key epoch envelope 2 for key 3f5a19c2".
    public let object: String
    public let reason: String
}

extension Repository {
    /// Slots in storage the audit log does not make members, live members' slots that are gone,
    /// and live keys without an envelope of the newest epoch the log records.
    public func keyProblems() async throws -> [KeyProblem] {
        let roster = try await roster()
        var problems: [KeyProblem] = []
        for (slot, removedAt) in roster.strays {
            problems.append(KeyProblem(object: "key slot \(slot.id.short)", reason: "is in storage but "
                + (removedAt.map { "the audit log records its removal (entry \($0))" } ?? "the audit log never records it being added")
                + "; it is refused (put back or written to storage directly: find out who wrote keys/\(slot.id.hex), then delete it)"))
        }
        let present = Set(roster.slots.map(\.id))
        // A removed key's slot only verifies what it signed before; a live key's is its access.
        for (id, sequence) in roster.membership.added.sorted(by: { $0.value < $1.value })
        where !present.contains(id) && roster.membership.isLive(id) {
            problems.append(KeyProblem(object: "key slot \(id.short)", reason: "is missing (deleted): audit entry \(sequence) added it "
                                       + "and none removed it; the key cannot open the repository"))
        }
        let logged = Self.newestRotatedEpoch(in: try await auditLog())
        guard logged > 0 else { return problems }
        var held: [KeyID: Int] = [:]
        for envelope in try await verifiedEnvelopes().map(\.envelope) { held[envelope.key] = max(held[envelope.key] ?? 0, envelope.epoch) }
        for slot in roster.live where slot.signingKey != nil && (held[slot.id] ?? 0) < logged {
            problems.append(KeyProblem(object: "key epoch envelope \(logged) for key \(slot.id.short)",
                                       reason: "is missing (deleted): the audit log records the rotation to epoch \(logged); "
                                           + "the key cannot write until an admin runs `kura key rotate`"))
        }
        return problems
    }
}
