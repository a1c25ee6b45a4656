import KuraCrypto

/// The key slots in storage and where each stands: certified (its chain reaches the trust
/// root), a member by the audit log, or neither. Read once per repository handle.
struct KeyRoster {
    /// Every readable slot, removed ones included, oldest first.
    let slots: [KeySlot]
    let membership: KeyMembership
    /// Signers that are certified and were added by the audit log (removed ones included, for
    /// what they signed before).
    let trust: KeyTrust

    init(slots: [KeySlot], log: AuditLog, root: Ed25519.PublicKey, repository: RepositoryID) {
        let certified = KeyTrust(slots: slots, root: root, repository: repository)
        let membership = KeyMembership(log: log, slots: slots, certified: certified)
        self.slots = slots
        self.membership = membership
        trust = certified.restricted(to: membership)
    }

    /// The slots that are members now: certified, added and not removed.
    var live: [KeySlot] {
        slots.filter { membership.isLive($0.id) && trust.signers[$0.id]?.role == $0.role }
    }

    /// Slots in storage that the audit log does not make members (put back after removal, or
    /// written directly), with the entry that removed each (nil: never added).
    var strays: [(slot: KeySlot, removedAt: Int?)] {
        slots.filter { $0.removed == nil && !membership.isLive($0.id) }
            .map { ($0, membership.wasAdded($0.id) ? membership.removedAt[$0.id] : nil) }
    }
}
