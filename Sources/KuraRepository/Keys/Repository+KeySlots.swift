import Foundation
import KuraCrypto
import KuraStorage

extension Repository {
    /// Fails with a message naming the key's role when it cannot do `action`. Reading and
    /// writing are also impossible without the secrets; this check makes the refusal early and clear.
    public func require(_ action: KeyAction) throws {
        let role = keySlot.role
        switch action {
        case .writeGenerations:
            guard role == .admin || role == .backup, secrets.dataPublicKey != nil, secrets.blobIDKey != nil else {
                throw KeyError.roleCannot(role: role, action: "create generations (back up or copy)")
            }
        case .readContents:
            guard secrets.dataPrivateKey != nil else { throw KeyError.roleCannot(role: role, action: "read file contents") }
        case .delete:
            guard role == .admin, secrets.isComplete else {
                throw KeyError.roleCannot(role: role, action: "delete generations or data (forget, prune)")
            }
        case .manageKeys:
            guard role == .admin, secrets.isComplete else { throw KeyError.adminOnly(role: role, action: "add or remove keys") }
        }
    }

    /// Whether this handle's key may do `action` (for callers that skip rather than fail).
    public func can(_ action: KeyAction) -> Bool { (try? require(action)) != nil }

    /// Whether this handle's key can decrypt file contents.
    public var canReadContents: Bool { secrets.dataPrivateKey != nil }

    /// Refuses a key that expired, whose secrets do not match its role, or whose slot is not
    /// certified back to the trust root.
    func checkUsable() async throws {
        if let expires = keySlot.expires, keySlot.isExpired(at: KuraClock.now) {
            throw KeyError.expired(name: keySlot.name, id: keySlot.id, at: expires)
        }
        let roster = try await roster()
        guard secrets.allows(keySlot.role),
              KeyTrust(slots: roster.slots, root: secrets.rootPublicKey, repository: config.id).signers[keySlot.id]?.role == keySlot.role else {
            throw KeyError.notCertified(keySlot.id)
        }
        guard roster.membership.isLive(keySlot.id) else {
            throw KeyError.notAMember(keySlot.id, removedAt: roster.membership.removedAt[keySlot.id])
        }
    }

    /// The slots and their standing by certificate and audit log, read once per handle.
    func roster() async throws -> KeyRoster {
        if let rosterCache { return rosterCache }
        let roster = KeyRoster(slots: try await allKeySlots(), log: try await auditLog(), root: secrets.rootPublicKey,
                               repository: config.id)
        rosterCache = roster
        return roster
    }

    func trust() async throws -> KeyTrust { try await roster().trust }

    /// Ed25519 public keys of the trusted slots (removed ones included, for what they signed
    /// before), limited to `roles`.
    func signingKeys(roles: Set<Role> = Set(Role.allCases)) async throws -> [KeyID: Ed25519.PublicKey] {
        try await trust().publicKeys(roles: roles)
    }

    /// The keys of the repository that can be used (certified members the audit log has not
    /// removed), oldest first.
    public func keySlots() async throws -> [KeySlot] { try await roster().live }

    /// Every readable key slot, removed ones included (their public fields; secrets stay sealed).
    public func allKeySlots() async throws -> [KeySlot] {
        var slots: [KeySlot] = []
        for info in try await backend.list(.keys) {
            if let slot = try? JSONDecoder.kura.decode(KeySlot.self, from: Data(try await backend.get(info.name))),
               slot.id.hex == info.name.name {
                slots.append(slot)
            }
        }
        return slots.sorted { ($0.created, $0.id) < ($1.created, $1.id) }
    }

    /// Whether a slot is certified back to this repository's trust root.
    public func isTrusted(_ slot: KeySlot) async throws -> Bool {
        try await trust().signers[slot.id]?.role == slot.role
    }

    /// Adds a key of `role` opened by `password`.
    public func addKey(role: Role, name: String, expires: Date?, password: SecureBytes,
                       parameters: Argon2idParameters = .recommended) async throws -> KeySlot {
        try await addKey(role: role, name: name, expires: expires, credential: .password(password), parameters: parameters)
    }

    /// Adds a key of `role`, its slot holding only what the role needs and certified by this
    /// (admin) key, opened by `credential`. Logged as `key-add`.
    public func addKey(role: Role, name: String, expires: Date?, credential: KeyCredential,
                       parameters: Argon2idParameters = .recommended) async throws -> KeySlot {
        try require(.manageKeys)
        guard !name.isEmpty, name.count <= 100, !name.contains(where: { $0.isNewline || $0 == "\t" }) else {
            throw KeyError.badName("a name is 1 to 100 characters on one line")
        }
        if let expires, expires <= KuraClock.now {
            throw KeyError.badName("the expiry \(KuraTime.format(expires)) is already past")
        }
        if case .password(let password) = credential { try await refuseSharedPassword(password) }
        let slot = try KeySlot.make(try secrets.forNewKey(role: role), repository: config.id, role: role, name: name,
                                    createdBy: keySlot.id, expires: expires, certifier: secrets.signingKey,
                                    credential: credential, parameters: parameters)
        try requireCurrentEpoch()
        rosterCache = nil
        try await backend.put(ObjectName(.keys, slot.id.hex), bytes: Array(JSONEncoder.kura.encode(slot)))
        try await sealCurrentEpoch(to: slot)
        var details = ["key": slot.id.hex, "name": name, "role": role.rawValue]
        if slot.opensWithKeyFile { details["opens-with"] = "key-file" }
        if let expires { details["expires"] = KuraTime.format(expires) }
        try await appendAudit("key-add", details: details)
        return slot
    }

    /// The live key whose ID starts with `prefix`.
    public func keySlot(matching prefix: String) async throws -> KeySlot {
        let wanted = prefix.lowercased()
        guard !wanted.isEmpty, wanted.allSatisfy(\.isHexDigit) else { throw KeyError.noSuchKey(prefix) }
        let matches = try await keySlots().filter { $0.id.hex.hasPrefix(wanted) }
        guard let match = matches.first else { throw KeyError.noSuchKey(prefix) }
        guard matches.count == 1 else { throw KeyError.ambiguousKey(prefix) }
        return match
    }

    /// Removes the key `prefix` names: its slot loses its secrets (so no password opens it)
    /// but keeps its public fields, so what it signed still verifies. Never the last trusted
    /// admin key. Logged as `key-remove`.
    @discardableResult
    public func removeKey(_ prefix: String) async throws -> KeySlot {
        try require(.manageKeys)
        var slot = try await keySlot(matching: prefix)
        let trust = try await trust()
        let admins = try await keySlots().filter { trust.signers[$0.id]?.role == .admin && !$0.isExpired(at: KuraClock.now) }
        if admins.map(\.id) == [slot.id] || (admins.isEmpty && slot.role == .admin) { throw KeyError.lastAdmin(slot.id) }
        if slot.role == .admin { try await resignEnvelopes(signedBy: slot.id) }
        rosterCache = nil
        slot.removed = KuraClock.now
        slot.nonce = ""
        slot.secrets = ""
        try await backend.put(ObjectName(.keys, slot.id.hex), bytes: Array(JSONEncoder.kura.encode(slot)))
        try await deleteEnvelopes(of: slot.id)
        try await appendAudit("key-remove", details: ["key": slot.id.hex, "name": slot.name, "role": slot.role.rawValue])
        return slot
    }

    /// Rewraps this handle's own slot under `password`; the old password no longer opens it.
    /// Logged as `key-passwd`.
    public func changePassword(to password: SecureBytes, parameters: Argon2idParameters = .recommended) async throws {
        guard !keySlot.opensWithKeyFile else { throw KeyError.opensWithKeyFile(keySlot.id) }
        try await refuseSharedPassword(password)
        var slot = keySlot
        try slot.wrap(secrets, repository: config.id, credential: .password(password), parameters: parameters)
        try await backend.put(ObjectName(.keys, slot.id.hex), bytes: Array(JSONEncoder.kura.encode(slot)))
        try await appendAudit("key-passwd", details: ["key": slot.id.hex, "name": slot.name])
    }

    /// Refuses a new password that already opens a live key's slot: opening would then pick
    /// one of the two, and an admin could lock itself out. Each slot is tried at the cost
    /// `KeySlotCandidates` allows it (one Argon2id run per key).
    func refuseSharedPassword(_ password: SecureBytes) async throws {
        let live = Set(try await keySlots().map(\.id))
        let order = try KeySlotCandidates(slots: try await roster().slots, repository: config.id, chosen: nil)
        for candidate in order.candidates where live.contains(candidate.slot.id) {
            if (try? candidate.slot.open(.password(password), repository: config.id, limit: candidate.limit)) != nil {
                throw KeyError.passwordInUse(candidate.slot.id)
            }
        }
    }
}
