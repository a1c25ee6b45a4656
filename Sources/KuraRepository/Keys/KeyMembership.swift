import KuraCrypto

/// Which keys belong to the repository, as the signed audit log says: a key is a member from
/// the `init` or `key-add` entry that added it until a `key-remove` entry, each signed by an
/// admin that was a member at that point of the log. A slot's presence in `keys/` and its
/// unsigned `removed` field decide nothing, except that `removed` can only remove
/// (docs/KEYS.md, "Membership").
struct KeyMembership {
    /// Key ID → the sequence of the entry that added it (0: a version 1 slot, or the first
    /// admin of a repository whose log is empty).
    let added: [KeyID: Int]
    /// Key ID → the sequence of the entry that removed it.
    let removedAt: [KeyID: Int]

    /// - Parameter certified: the slots' signers by certificate alone (`KeyTrust` without
    ///   membership), to check the entries' signatures.
    init(log: AuditLog, slots: [KeySlot], certified: KeyTrust) {
        var added: [KeyID: Int] = [:]
        var removedAt: [KeyID: Int] = [:]
        // Version 1 slots predate the audit log and `key add`; they are members until removed.
        for slot in slots where slot.version < 2 { added[slot.id] = 0 }
        // A crash between `init`'s slot and its first entry leaves an empty log: the first admin
        // is then the only member (deleting the whole log is what `audit verify` catches).
        if log.entries.isEmpty, let root = slots.first(where: { $0.version >= 2 && $0.createdBy == nil }) {
            added[root.id] = 0
        }
        let signers = certified.publicKeys()
        let counts = Dictionary(grouping: log.entries, by: \.entry.sequence).mapValues(\.count)
        let bySequence = Dictionary(log.entries.map { ($0.entry.sequence, $0) }, uniquingKeysWith: { first, _ in first })
        let slotsByID = Dictionary(slots.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })

        func isAdminMember(_ id: KeyID) -> Bool {
            added[id] != nil && removedAt[id] == nil && certified.signers[id]?.role == .admin
        }
        /// An entry that adds counts only when it alone holds its sequence and the next entry
        /// (if any) names it: an entry forked in beside the chain adds nothing.
        func isOnChain(_ stored: StoredAuditEntry) -> Bool {
            let sequence = stored.entry.sequence
            guard counts[sequence] == 1 else { return false }
            guard let next = bySequence[sequence + 1] else { return true }
            return counts[sequence + 1] == 1 && next.entry.previous == stored.id
        }

        for stored in log.entries where stored.entry.hasValidSignature(signers: signers) {
            let entry = stored.entry
            switch entry.action {
            case "init" where entry.sequence == 1 && isOnChain(stored):
                if let slot = slotsByID[entry.actor], slot.createdBy == nil, slot.role == .admin { added[slot.id] = added[slot.id] ?? 1 }
            case "key-add" where isOnChain(stored) && isAdminMember(entry.actor):
                guard let key = entry.details["key"].flatMap(KeyID.init(hex:)) else { continue }
                if let slot = slotsByID[key], slot.createdBy != entry.actor { continue }
                if added[key] == nil { added[key] = entry.sequence }
            case "key-remove" where isAdminMember(entry.actor):
                guard let key = entry.details["key"].flatMap(KeyID.init(hex:)) else { continue }
                if removedAt[key] == nil { removedAt[key] = entry.sequence }
            default:
                continue
            }
        }
        for slot in slots where slot.removed != nil && removedAt[slot.id] == nil { removedAt[slot.id] = added[slot.id] ?? 0 }
        self.added = added
        self.removedAt = removedAt
    }

    /// Whether the key was ever a member (what it signed then may still count).
    func wasAdded(_ id: KeyID) -> Bool { added[id] != nil }

    /// Whether the key is a member now.
    func isLive(_ id: KeyID) -> Bool { added[id] != nil && removedAt[id] == nil }
}
