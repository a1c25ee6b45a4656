import Foundation
import KuraCrypto
import KuraStorage

/// What `kura key rotate` did.
public struct RotationReport: Sendable {
    public let epoch: Int
    /// The keys that received the new epoch (every live key).
    public let keys: [KeySlot]
}

extension Repository {
    /// The key epoch new data is sealed under, and the newest epoch of the repository.
    public var keyEpoch: (own: Int, repository: Int) { (keyring.ownEpoch, keyring.repositoryEpoch) }

    /// The envelopes in storage, by object name, whose signature verifies by a live trusted
    /// admin key. Others (forged, by a removed key, damaged) are ignored.
    /// - Parameter byCertificate: judge admins by certificate and `removed` alone: opening
    ///   needs the newest epoch's keys to read the audit log that membership comes from, and
    ///   then loads the keyring again by membership.
    func verifiedEnvelopes(byCertificate: Bool = false) async throws -> [(name: ObjectName, envelope: EpochEnvelope)] {
        let trust: KeyTrust
        let liveAdmins: Set<KeyID>
        if byCertificate {
            let slots = try await allKeySlots()
            trust = KeyTrust(slots: slots, root: secrets.rootPublicKey, repository: config.id)
            liveAdmins = Set(slots.filter { $0.removed == nil && trust.signers[$0.id]?.role == .admin }.map(\.id))
        } else {
            let roster = try await roster()
            trust = roster.trust
            liveAdmins = Set(roster.live.filter { $0.role == .admin }.map(\.id))
        }
        var found: [(ObjectName, EpochEnvelope)] = []
        for info in try await backend.list(.epochs) {
            guard let parsed = EpochEnvelope.parse(name: info.name.name),
                  let envelope = try? JSONDecoder.kura.decode(EpochEnvelope.self, from: Data(try await backend.get(info.name))),
                  envelope.epoch == parsed.epoch, envelope.revision == parsed.revision, envelope.key.hex == parsed.key,
                  liveAdmins.contains(envelope.createdBy),
                  let signer = trust.signers[envelope.createdBy],
                  envelope.isSigned(by: signer.publicKey, repository: config.id) else { continue }
            found.append((info.name, envelope))
        }
        return found
    }

    /// The objects in `epochs/` that are not accepted envelopes (forged, altered, signed by a
    /// removed or non-admin key), for `check` to name.
    public func rejectedEnvelopes() async throws -> [String] {
        let accepted = Set(try await verifiedEnvelopes().map(\.name))
        return try await backend.list(.epochs).map(\.name).filter { !accepted.contains($0) }.map(\.description)
    }

    /// Reads this key's newest envelope into the keyring and notes the repository's newest epoch.
    func loadKeyring(byCertificate: Bool = false) async throws {
        var keyring = Keyring(slot: secrets)
        let envelopes = try await verifiedEnvelopes(byCertificate: byCertificate).map(\.envelope)
        keyring.repositoryEpoch = envelopes.map(\.epoch).max() ?? 0
        if let mine = envelopes.filter({ $0.key == keySlot.id }).max(by: { ($0.epoch, $0.revision) < ($1.epoch, $1.revision) }) {
            keyring.merge(try mine.open(with: secrets.signingKey))
            keyring.revision = mine.revision
        }
        self.keyring = keyring
    }

    /// Refuses writing with a key that does not hold the repository's newest epoch: it would
    /// seal data to keys that a removed key may still hold. Commands that delete call it
    /// before deleting anything, since they could not log what they did.
    public func requireCurrentEpoch() throws {
        guard keyring.ownEpoch >= keyring.repositoryEpoch else {
            throw EpochError.notInCurrentEpoch(key: keySlot.id, held: keyring.ownEpoch, current: keyring.repositoryEpoch)
        }
    }

    /// Refuses writing when the audit log records a rotation to a newer epoch than this key
    /// holds: the newest envelopes were deleted, and keys would fall back to secrets a removed
    /// key may have.
    func confirmEpoch(against log: AuditLog) throws {
        let logged = Self.newestRotatedEpoch(in: log)
        guard keyring.ownEpoch >= logged else { throw EpochError.rolledBack(held: keyring.ownEpoch, logged: logged) }
    }

    /// `confirmEpoch` once per handle, before its first pack (reads the audit log).
    func confirmEpochBeforeFirstWrite() async throws {
        guard !epochConfirmed else { return }
        try confirmEpoch(against: try await auditLog())
        epochConfirmed = true
    }

    static func newestRotatedEpoch(in log: AuditLog) -> Int {
        log.entries.filter { $0.entry.action == "key-rotate" }.compactMap { $0.entry.details["epoch"].flatMap(Int.init) }.max() ?? 0
    }

    /// Starts a new key epoch: a new metadata key and data key pair, sealed to every live key
    /// and to no removed one. Everything written afterwards is unreadable to removed keys.
    /// Logged as `key-rotate`.
    public func rotateKeys(reencrypt: Bool) async throws -> RotationReport {
        try require(.manageKeys)
        try requireCurrentEpoch()
        let recipients = try await epochRecipients()
        // Numbered above any epoch the log records, even one whose envelopes are gone.
        let epoch = max(keyring.repositoryEpoch, Self.newestRotatedEpoch(in: try await auditLog())) + 1
        var next = keyring
        next.add(try EpochKeys.generate(epoch: epoch))
        try await writeEnvelopes(from: next, epoch: epoch, revision: 0, to: recipients)
        // Sealed under the epoch before, so a key that cannot follow (its envelope deleted)
        // still sees that a rotation happened and refuses to write.
        try await appendAudit("key-rotate", details: ["epoch": String(epoch), "keys": String(recipients.count),
                                                      "reencrypt": reencrypt ? "started" : "no"])
        keyring = next
        keyring.revision = 0
        try await deleteEnvelopes { $0.epoch < epoch }
        return RotationReport(epoch: epoch, keys: recipients)
    }

    /// The keys that get a rotation's envelopes: the audit log's live members only, never a
    /// slot put back in storage or certified by a removed admin.
    private func epochRecipients() async throws -> [KeySlot] {
        let live = try await keySlots()
        if let old = live.first(where: { $0.signingPublicKey == nil }) { throw EpochError.versionOneSlot(old.id) }
        return live
    }

    private func writeEnvelopes(from keyring: Keyring, epoch: Int, revision: Int, to recipients: [KeySlot]) async throws {
        for slot in recipients {
            let envelope = try EpochEnvelope.make(keyring.envelopeContents(for: slot.role), epoch: epoch, revision: revision,
                                                  for: slot, signer: secrets.signingKey, signerID: keySlot.id, repository: config.id)
            try await backend.put(envelope.objectName, bytes: Array(JSONEncoder.kura.encode(envelope)))
        }
    }

    private func deleteEnvelopes(where condition: ((epoch: Int, revision: Int, key: String)) -> Bool) async throws {
        for info in try await backend.list(.epochs) {
            if let parsed = EpochEnvelope.parse(name: info.name.name), condition(parsed) {
                try await backend.delete(info.name)
            }
        }
    }

    /// Gives a key just added its share of the current epoch (nothing before any rotation).
    func sealCurrentEpoch(to slot: KeySlot) async throws {
        guard keyring.ownEpoch > 0 else { return }
        try await writeEnvelopes(from: keyring, epoch: keyring.ownEpoch, revision: keyring.revision, to: [slot])
    }

    /// Removes a removed key's envelopes (it may have copied them; this is hygiene only).
    func deleteEnvelopes(of key: KeyID) async throws {
        try await deleteEnvelopes { $0.key == key.hex }
    }

    /// Signs again, as this admin key, the envelopes `admin` signed: only live admins'
    /// signatures count, so removing an admin would otherwise take its rotations back.
    /// Called before the admin's slot is marked removed.
    func resignEnvelopes(signedBy admin: KeyID) async throws {
        for (name, envelope) in try await verifiedEnvelopes() where envelope.createdBy == admin {
            let resigned = try envelope.signed(by: secrets.signingKey, as: keySlot.id, repository: config.id)
            try await backend.put(name, bytes: Array(JSONEncoder.kura.encode(resigned)))
        }
    }

    /// After re-encryption: every live key's envelope is written again without the data
    /// keys of older epochs, and every other envelope is deleted. Nothing in the repository
    /// is sealed under those keys any more.
    public func dropOlderDataKeys() async throws {
        let epoch = keyring.ownEpoch
        var trimmed = keyring
        trimmed.dropDataKeys(before: epoch)
        let revision = keyring.revision + 1
        try await writeEnvelopes(from: trimmed, epoch: epoch, revision: revision, to: try await epochRecipients())
        keyring = trimmed
        keyring.revision = revision
        try await deleteEnvelopes { ($0.epoch, $0.revision) < (epoch, revision) }
    }
}
