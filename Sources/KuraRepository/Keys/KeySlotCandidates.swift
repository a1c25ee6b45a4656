import KuraCrypto

/// Which key slots `Repository.open` tries with a password, in which order, and at what
/// Argon2id cost, decided before anything is derived (docs/KEYS.md, "Opening").
///
/// The trust root is inside the sealed secrets, so before opening a slot only the
/// certificates' consistency can be checked: each chain must verify, link by link, up to the
/// one self-signed first admin in `keys/`. A slot whose chain does not is never tried (it
/// would be refused once open anyway). Two self-signed first admins (or one beside version 1
/// slots) mean someone wrote one to storage; as the forger's can't be told from the real one
/// yet, nothing is tried unless `--key` names a slot. A slot's cost is believed only when its
/// chain verifies to that root and its own key signed the cost; otherwise Kura derives at most
/// the default cost (t = 3, m = 256 MiB) for it unless `--key` names it.
struct KeySlotCandidates {
    struct Candidate {
        let slot: KeySlot
        let limit: Argon2idParameters
    }

    /// In the order to try: verified chains first, then admin, restore, backup, auditor (two
    /// keys sharing a password open as the stronger one), then oldest first.
    let candidates: [Candidate]
    /// Slots not tried, with why (reported when the password opens none of the others).
    let skipped: [KeyError]

    /// The most a slot whose cost nobody signed is derived at without `--key`.
    static let unsignedCostLimit = Argon2idParameters.recommended

    private enum Chain: Hashable {
        /// Every link verifies up to this self-signed first admin.
        case rooted(KeyID)
        /// The chain reaches a version 1 slot, whose public key is only in sealed secrets.
        case versionOne
        case broken
    }

    init(slots: [KeySlot], repository: RepositoryID, chosen prefix: String?) throws {
        let byID = Dictionary(slots.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var chains: [KeyID: Chain] = [:]
        func chain(_ slot: KeySlot, depth: Int = 0) -> Chain {
            if let known = chains[slot.id] { return known }
            let result: Chain
            if slot.version < 2 {
                result = slot.role == .admin ? .versionOne : .broken
            } else if depth > slots.count || slot.signingPublicKey == nil {
                result = .broken
            } else if let creatorID = slot.createdBy {
                if let creator = byID[creatorID], creator.role == .admin,
                   creator.version < 2 || creator.signingPublicKey.map({ slot.isCertified(by: $0, repository: repository) }) == true {
                    result = chain(creator, depth: depth + 1)
                } else {
                    result = .broken
                }
            } else {
                result = slot.role == .admin && slot.signingPublicKey.map({ slot.isCertified(by: $0, repository: repository) }) == true
                    ? .rooted(slot.id) : .broken
            }
            chains[slot.id] = result
            return result
        }
        let live = slots.filter { $0.removed == nil }
        for slot in slots { _ = chain(slot) }
        let roots = Set(chains.values.filter { $0 != .broken })

        var chosen = live
        if let prefix {
            let wanted = prefix.lowercased()
            chosen = wanted.isEmpty || !wanted.allSatisfy(\.isHexDigit) ? [] : live.filter { $0.id.hex.hasPrefix(wanted) }
            guard !chosen.isEmpty else { throw KeyError.noSuchKey(prefix) }
            guard chosen.count == 1 else { throw KeyError.ambiguousKey(prefix) }
        } else if roots.count > 1 {
            throw KeyError.contestedRoots(slots.filter { $0.createdBy == nil && chains[$0.id] != .broken }.map(\.id))
        }

        var candidates: [(Candidate, verified: Bool)] = []
        var skipped: [KeyError] = []
        for slot in chosen {
            guard let found = chains[slot.id], found != .broken else {
                skipped.append(.notCertified(slot.id))
                continue
            }
            let verified: Bool
            if case .rooted = found { verified = true } else { verified = false }
            let signedCost = verified && slot.hasValidSeal(repository: repository)
            let limit = signedCost || prefix != nil ? KeySlot.costLimit : Self.unsignedCostLimit
            guard slot.parameters.iterations <= limit.iterations, slot.parameters.memoryKiB <= limit.memoryKiB else {
                skipped.append(.unsignedCost(slot.id, iterations: slot.kdf.iterations, memoryKiB: slot.kdf.memoryKiB))
                continue
            }
            candidates.append((Candidate(slot: slot, limit: limit), verified))
        }
        let strength: [Role: Int] = [.admin: 0, .restore: 1, .backup: 2, .auditor: 3]
        self.candidates = candidates.sorted { left, right in
            let (a, b) = (left.0.slot, right.0.slot)
            return (left.verified ? 0 : 1, strength[a.role] ?? 4, a.created, a.id) < (right.verified ? 0 : 1, strength[b.role] ?? 4, b.created, b.id)
        }.map(\.0)
        self.skipped = skipped
    }
}
