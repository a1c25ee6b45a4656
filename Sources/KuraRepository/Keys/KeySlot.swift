import Foundation
import KuraCrypto

/// What a key may do. A role is enforced by what its slot's secrets can decrypt and by the
/// admin certification of its public fields (docs/KEYS.md), not by this label alone.
public enum Role: String, Codable, Sendable, CaseIterable {
    case admin, backup, restore, auditor
}

/// One key slot (`keys/<id>`): the secrets its role needs, wrapped under a key-encryption key
/// stretched from a password with Argon2id. The KEK wraps secrets only; it never encrypts data.
/// Version 2 slots carry their own Ed25519 public key and an admin's certificate over their
/// public fields; version 1 slots (before roles) are admin slots sharing the repository key.
public struct KeySlot: Codable, Sendable {
    public var version: Int
    public var id: KeyID
    public var role: Role
    public var name: String
    public var created: Date
    /// The admin key that added this one (nil for the first key, made by `init`).
    public var createdBy: KeyID?
    /// After this time the key is refused (nil: never expires).
    public var expires: Date?
    public var kdf: KDF
    /// XChaCha20-Poly1305 nonce and sealed secrets, base64 (both empty once removed).
    public var nonce: String
    public var secrets: String
    /// The slot's Ed25519 public key, base64 (version 2).
    public var signingKey: String?
    /// Ed25519 signature of `createdBy` (of the slot itself for the first admin) over the
    /// certified fields, base64 (version 2).
    public var certificate: String?
    /// When `kura key remove` removed the key: the slot stays, without secrets, so that what
    /// the key signed before can still be verified.
    public var removed: Date?
    /// The slot's own Ed25519 signature over its Argon2id cost, salt, nonce and secrets,
    /// base64 (version 2 slots wrapped since it exists), so their cost is known before trying.
    public var sealSignature: String?

    public struct KDF: Codable, Sendable {
        public var algorithm: String
        public var salt: String
        public var iterations: UInt32
        public var memoryKiB: UInt32
    }

    /// Whether the key was expired at `time`.
    public func isExpired(at time: Date) -> Bool { expires.map { $0 <= time } ?? false }

    static func associatedData(repository: RepositoryID, key: KeyID, role: Role) -> [UInt8] {
        Array("kura-key-slot-v1".utf8) + repository.bytes + key.bytes + Array(role.rawValue.utf8)
    }

    /// A new version 2 slot for `secrets`, certified by `certifier` (the secrets' own signing
    /// key for the first admin).
    static func make(_ secrets: RepositorySecrets, repository: RepositoryID, role: Role, name: String,
                     createdBy: KeyID?, expires: Date?, certifier: Ed25519.PrivateKey,
                     password: SecureBytes, parameters: Argon2idParameters) throws -> KeySlot {
        let id = KeyID.random()
        var slot = KeySlot(version: 2, id: id, role: role, name: name, created: KuraClock.now, createdBy: createdBy,
                           expires: expires, kdf: KDF(algorithm: "argon2id", salt: "", iterations: 0, memoryKiB: 0),
                           nonce: "", secrets: "", signingKey: Base64.encode(secrets.signingKey.publicKey.bytes, padded: true))
        slot.certificate = Base64.encode(certifier.signature(for: try slot.certifiedBytes(repository: repository)), padded: true)
        try slot.wrap(secrets, repository: repository, password: password, parameters: parameters)
        return slot
    }

    /// Seals `secrets` into this slot under `password` (new salt and nonce).
    mutating func wrap(_ secrets: RepositorySecrets, repository: RepositoryID, password: SecureBytes,
                       parameters: Argon2idParameters) throws {
        let salt = SecureRandom.bytes(Argon2id.saltSize)
        let kek = try Argon2id.deriveKey(password: password, salt: salt, parameters: parameters, limit: parameters)
        let nonce = SecureRandom.bytes(24)
        let sealed = try AEADCipher(.xchacha20Poly1305, key: kek)
            .seal(try secrets.encoded(), nonce: nonce, associatedData: Self.associatedData(repository: repository, key: id, role: role))
        kdf = KDF(algorithm: "argon2id", salt: Base64.encode(salt, padded: true),
                  iterations: parameters.iterations, memoryKiB: parameters.memoryKiB)
        self.nonce = Base64.encode(nonce, padded: true)
        self.secrets = Base64.encode(sealed, padded: true)
        sealSignature = nil
        if signingKey != nil { try seal(with: secrets.signingKey, repository: repository) }
    }

    /// The most any slot may cost to try (what `--kdf-iterations` and `--kdf-memory` allow).
    static let costLimit = Argon2idParameters(iterations: 64, memoryKiB: 4 * 1024 * 1024)

    /// The secrets, if `password` opens this slot; nil if it does not. Throws without
    /// deriving anything when the slot's cost exceeds `limit`.
    func open(password: SecureBytes, repository: RepositoryID, limit: Argon2idParameters = costLimit) throws -> RepositorySecrets? {
        guard removed == nil else { return nil }
        guard kdf.algorithm == "argon2id",
              let salt = Base64.decodeCanonicalPadded(kdf.salt), salt.count == Argon2id.saltSize,
              let nonce = Base64.decodeCanonicalPadded(nonce), nonce.count == 24,
              let sealed = Base64.decodeCanonicalPadded(secrets) else {
            throw RepositoryError.damaged(object: "key slot \(id.short)", reason: "unreadable fields")
        }
        let kek = try Argon2id.deriveKey(password: password, salt: salt, parameters: parameters, limit: limit)
        do {
            let plain = try AEADCipher(.xchacha20Poly1305, key: kek)
                .open(sealed, nonce: nonce, associatedData: Self.associatedData(repository: repository, key: id, role: role))
            return try RepositorySecrets(decoding: plain, repository: repository)
        } catch CryptoError.authenticationFailure {
            return nil
        }
    }
}
