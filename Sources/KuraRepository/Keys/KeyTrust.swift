import KuraCrypto

/// Which key slots are trusted: those whose certification chain leads back to the trust
/// root carried inside the opener's own sealed secrets. A slot written straight to storage,
/// or one whose role, name or expiry was edited, breaks its chain and signs nothing valid.
struct KeyTrust {
    struct Signer {
        let publicKey: Ed25519.PublicKey
        let role: Role
    }

    /// Trusted slots (removed ones included, for what they signed before), by ID.
    let signers: [KeyID: Signer]

    private init(signers: [KeyID: Signer]) { self.signers = signers }

    /// Only the signers the audit log added: a slot certified by a removed admin after its
    /// removal, or put back after its own, signs nothing that counts.
    func restricted(to membership: KeyMembership) -> KeyTrust {
        KeyTrust(signers: signers.filter { membership.wasAdded($0.key) })
    }

    init(slots: [KeySlot], root: Ed25519.PublicKey, repository: RepositoryID) {
        let byID = Dictionary(slots.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        // A repository whose first admin is a version 2 slot has no layout-1 keys: a version 1
        // slot there was not written by Kura.
        let rootedInVersion2 = slots.contains { $0.version >= 2 && $0.createdBy == nil && $0.signingPublicKey == root }
        var trusted: [KeyID: Signer] = [:]
        var visiting: Set<KeyID> = []

        func resolve(_ id: KeyID) -> Signer? {
            if let known = trusted[id] { return known }
            guard let slot = byID[id], !visiting.contains(id) else { return nil }
            visiting.insert(id)
            defer { visiting.remove(id) }
            let signer: Signer?
            if slot.version < 2 {
                signer = slot.role == .admin && !rootedInVersion2 ? Signer(publicKey: root, role: .admin) : nil
            } else if let key = slot.signingPublicKey {
                if let creator = slot.createdBy {
                    let certifier = resolve(creator)
                    signer = certifier.flatMap { $0.role == .admin && slot.isCertified(by: $0.publicKey, repository: repository) }
                        == true ? Signer(publicKey: key, role: slot.role) : nil
                } else {
                    signer = slot.role == .admin && key == root && slot.isCertified(by: key, repository: repository)
                        ? Signer(publicKey: key, role: .admin) : nil
                }
            } else {
                signer = nil
            }
            if let signer { trusted[id] = signer }
            return signer
        }

        for slot in slots { _ = resolve(slot.id) }
        signers = trusted
    }

    func publicKeys(roles: Set<Role> = Set(Role.allCases)) -> [KeyID: Ed25519.PublicKey] {
        signers.filter { roles.contains($0.value.role) }.mapValues(\.publicKey)
    }
}
