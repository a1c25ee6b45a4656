import Foundation

/// A key as `kura key list` shows it.
public struct KeyListing: Sendable {
    public let slot: KeySlot
    /// Whether its certification chain reaches the repository's trust root.
    public let trusted: Bool
    /// The newest audit entry, generation or drill record it signed (nil: none).
    public let lastUsed: Date?
    /// The newest key epoch sealed to it (0: only what its slot holds); below the
    /// repository's epoch, the key may read but not write.
    public let epoch: Int
}

extension Repository {
    /// Every key not marked removed, oldest first, with when it last signed something
    /// readable; slots the audit log does not make members are listed as not trusted.
    public func keyListing() async throws -> [KeyListing] {
        let roster = try await roster()
        let trust = roster.trust
        var lastUsed: [KeyID: Date] = [:]
        func note(_ key: KeyID, _ time: Date) { lastUsed[key] = max(lastUsed[key] ?? time, time) }
        for stored in try await auditLog().entries { note(stored.entry.actor, stored.entry.time) }
        for stored in try await generations().valid { note(stored.generation.writer, stored.generation.time) }
        for stored in try await drills().valid { note(stored.record.writer, stored.record.time) }
        var epochs: [KeyID: Int] = [:]
        for envelope in try await verifiedEnvelopes().map(\.envelope) { epochs[envelope.key] = max(epochs[envelope.key] ?? 0, envelope.epoch) }
        return roster.slots.filter { $0.removed == nil }.map { slot in
            KeyListing(slot: slot, trusted: roster.membership.isLive(slot.id) && trust.signers[slot.id]?.role == slot.role,
                       lastUsed: lastUsed[slot.id],
                       epoch: epochs[slot.id] ?? 0)
        }
    }
}
