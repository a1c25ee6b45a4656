import Foundation
import KuraCrypto
import KuraStorage

/// One key's share of a key epoch (`epochs/<epoch>-<revision>-<key ID>`): the epoch secrets
/// its role needs, sealed to the X25519 form of the slot's own Ed25519 key, and signed by the
/// admin that rotated. A key removed before the rotation gets no envelope, so a copy of its
/// old slot opens nothing written afterwards.
struct EpochEnvelope: Codable, Sendable {
    var version = 1
    var epoch: Int
    /// Raised when the same epoch's envelopes are written again with fewer secrets (after
    /// re-encryption drops the older data keys).
    var revision: Int
    /// The key it is for.
    var key: KeyID
    var role: Role
    var created: Date
    /// The admin key that wrote and signed it.
    var createdBy: KeyID
    /// Sealed box (base64) of `EpochKeys.encode`.
    var sealed: String
    /// Ed25519 signature by `createdBy` over `signedBytes`, base64.
    var signature: String

    var objectName: ObjectName {
        get throws { try ObjectName(.epochs, "\(epoch)-\(revision)-\(key.hex)") }
    }

    /// Epoch, revision and key from an object name, without reading it.
    static func parse(name: String) -> (epoch: Int, revision: Int, key: String)? {
        let parts = name.split(separator: "-")
        guard parts.count == 3, let epoch = Int(parts[0]), let revision = Int(parts[1]), epoch > 0, revision >= 0 else {
            return nil
        }
        return (epoch, revision, String(parts[2]))
    }

    private struct SignedFields: Codable {
        var repository: RepositoryID
        var version: Int
        var epoch: Int
        var revision: Int
        var key: KeyID
        var role: Role
        var created: Date
        var createdBy: KeyID
        var sealed: String
    }

    private func signedBytes(repository: RepositoryID) throws -> [UInt8] {
        Array(try JSONEncoder.kura.encode(SignedFields(repository: repository, version: version, epoch: epoch, revision: revision,
                                                       key: key, role: role, created: created, createdBy: createdBy,
                                                       sealed: sealed)))
    }

    /// An envelope for `recipient` holding `contents`, signed by the admin `signer`.
    static func make(_ contents: [EpochKeys], epoch: Int, revision: Int, for recipient: KeySlot,
                     signer: Ed25519.PrivateKey, signerID: KeyID, repository: RepositoryID) throws -> EpochEnvelope {
        guard let publicKey = recipient.signingPublicKey else { throw EpochError.versionOneSlot(recipient.id) }
        let sealed = SealedBox.seal(try EpochKeys.encode(contents), to: try publicKey.agreementKey())
        let envelope = EpochEnvelope(epoch: epoch, revision: revision, key: recipient.id, role: recipient.role,
                                     created: KuraClock.now, createdBy: signerID,
                                     sealed: Base64.encode(sealed, padded: true), signature: "")
        return try envelope.signed(by: signer, as: signerID, repository: repository)
    }

    /// This envelope with `signer` as its signer (the sealed secrets unchanged).
    func signed(by signer: Ed25519.PrivateKey, as signerID: KeyID, repository: RepositoryID) throws -> EpochEnvelope {
        var envelope = self
        envelope.createdBy = signerID
        envelope.signature = Base64.encode(signer.signature(for: try envelope.signedBytes(repository: repository)), padded: true)
        return envelope
    }

    /// Whether `signer` signed this envelope for this repository.
    func isSigned(by signer: Ed25519.PublicKey, repository: RepositoryID) -> Bool {
        guard let signature = Base64.decodeCanonicalPadded(signature),
              let bytes = try? signedBytes(repository: repository) else { return false }
        return signer.isValidSignature(signature, for: bytes)
    }

    /// The epoch secrets inside, opened with the recipient slot's signing key.
    func open(with signingKey: Ed25519.PrivateKey) throws -> [EpochKeys] {
        guard let sealed = Base64.decodeCanonicalPadded(sealed),
              let plain = try? SealedBox.open(sealed, with: try signingKey.agreementKey()) else {
            throw RepositoryError.damaged(object: "key epoch envelope \(epoch) for key \(key.short)", reason: "fails authentication")
        }
        let keys = try EpochKeys.decode(plain).filter { $0.epoch <= epoch }
        guard keys.contains(where: { $0.epoch == epoch }), keys.allSatisfy({ $0.metadataKey != nil }) else {
            throw RepositoryError.damaged(object: "key epoch envelope \(epoch) for key \(key.short)", reason: "it lacks a metadata key")
        }
        return keys
    }
}
