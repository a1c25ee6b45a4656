import Foundation
import KuraCrypto

/// What a key may do. A role is enforced by what its slot's secrets can decrypt and by the
/// admin certification of its public fields (docs/KEYS.md), not by this label alone.
public enum Role: String, Codable, Sendable, CaseIterable {
    case admin, backup, restore, auditor
}

/// One key slot (`keys/<id>`): the secrets its role needs, wrapped under a key-encryption key
/// stretched from a password with Argon2id, or derived with HKDF from a key file's random
/// secret. The KEK wraps secrets only; it never encrypts data.
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

    /// How the key-encryption key is derived: `argon2id` from a password (with its cost), or
    /// `hkdf-sha256` from a key file's secret (iterations and memory 0).
    public struct KDF: Codable, Sendable {
        public var algorithm: String
        public var salt: String
        public var iterations: UInt32
        public var memoryKiB: UInt32

        static let argon2id = "argon2id"
        static let keyFile = "hkdf-sha256"
        static let keyFileSaltSize = 32
    }

    /// Whether a key file, not a password, opens this slot.
    public var opensWithKeyFile: Bool { kdf.algorithm == KDF.keyFile }

    /// Whether the key was expired at `time`.
    public func isExpired(at time: Date) -> Bool { expires.map { $0 <= time } ?? false }

    static func associatedData(repository: RepositoryID, key: KeyID, role: Role) -> [UInt8] {
        Array("kura-key-slot-v1".utf8) + repository.bytes + key.bytes + Array(role.rawValue.utf8)
    }

    /// A new version 2 slot for `secrets`, certified by `certifier` (the secrets' own signing
    /// key for the first admin).
    static func make(_ secrets: RepositorySecrets, repository: RepositoryID, role: Role, name: String,
                     createdBy: KeyID?, expires: Date?, certifier: Ed25519.PrivateKey,
                     credential: KeyCredential, parameters: Argon2idParameters) throws -> KeySlot {
        let id = KeyID.random()
        var slot = KeySlot(version: 2, id: id, role: role, name: name, created: KuraClock.now, createdBy: createdBy,
                           expires: expires, kdf: KDF(algorithm: "argon2id", salt: "", iterations: 0, memoryKiB: 0),
                           nonce: "", secrets: "", signingKey: Base64.encode(secrets.signingKey.publicKey.bytes, padded: true))
        slot.certificate = Base64.encode(certifier.signature(for: try slot.certifiedBytes(repository: repository)), padded: true)
        try slot.wrap(secrets, repository: repository, credential: credential, parameters: parameters)
        return slot
    }

    /// Seals `secrets` into this slot under `credential` (new salt and nonce).
    mutating func wrap(_ secrets: RepositorySecrets, repository: RepositoryID, credential: KeyCredential,
                       parameters: Argon2idParameters) throws {
        let kek: SecureBytes
        switch credential {
        case .password(let password):
            let salt = SecureRandom.bytes(Argon2id.saltSize)
            kek = try Argon2id.deriveKey(password: password, salt: salt, parameters: parameters, limit: parameters)
            kdf = KDF(algorithm: KDF.argon2id, salt: Base64.encode(salt, padded: true),
                      iterations: parameters.iterations, memoryKiB: parameters.memoryKiB)
        case .keyFileSecret(let secret):
            let salt = SecureRandom.bytes(KDF.keyFileSaltSize)
            kek = try keyFileKEK(secret: secret, salt: salt, repository: repository)
            kdf = KDF(algorithm: KDF.keyFile, salt: Base64.encode(salt, padded: true), iterations: 0, memoryKiB: 0)
        }
        let nonce = SecureRandom.bytes(24)
        let sealed = try AEADCipher(.xchacha20Poly1305, key: kek)
            .seal(try secrets.encoded(), nonce: nonce, associatedData: Self.associatedData(repository: repository, key: id, role: role))
        self.nonce = Base64.encode(nonce, padded: true)
        self.secrets = Base64.encode(sealed, padded: true)
        sealSignature = nil
        if signingKey != nil { try seal(with: secrets.signingKey, repository: repository) }
    }

    /// A key file's KEK: HKDF-SHA-256 of its 256-bit secret, bound to the repository and the key.
    func keyFileKEK(secret: SecureBytes, salt: [UInt8], repository: RepositoryID) throws -> SecureBytes {
        guard secret.count == KeyFile.secretSize else { throw KeyFileError.malformed("the secret is not \(KeyFile.secretSize) bytes") }
        return try HKDF.deriveKey(inputKeyMaterial: secret, salt: salt,
                                  info: Array("kura-key-file-v1".utf8) + repository.bytes + id.bytes, length: 32)
    }

    /// The most any slot may cost to try (what `--kdf-iterations` and `--kdf-memory` allow).
    static let costLimit = Argon2idParameters(iterations: 64, memoryKiB: 4 * 1024 * 1024)

    /// The secrets, if `credential` opens this slot; nil if it does not (a password never
    /// opens a key file's slot, nor a key file a password's). Throws without deriving anything
    /// when the slot's cost exceeds `limit`.
    func open(_ credential: KeyCredential, repository: RepositoryID, limit: Argon2idParameters = costLimit) throws -> RepositorySecrets? {
        guard removed == nil else { return nil }
        guard kdf.algorithm == KDF.argon2id || kdf.algorithm == KDF.keyFile,
              let salt = Base64.decodeCanonicalPadded(kdf.salt),
              let nonce = Base64.decodeCanonicalPadded(nonce), nonce.count == 24,
              let sealed = Base64.decodeCanonicalPadded(secrets) else {
            throw RepositoryError.damaged(object: "key slot \(id.short)", reason: "unreadable fields")
        }
        let kek: SecureBytes
        switch credential {
        case .password(let password):
            guard kdf.algorithm == KDF.argon2id else { return nil }
            guard salt.count == Argon2id.saltSize else {
                throw RepositoryError.damaged(object: "key slot \(id.short)", reason: "unreadable fields")
            }
            kek = try Argon2id.deriveKey(password: password, salt: salt, parameters: parameters, limit: limit)
        case .keyFileSecret(let secret):
            guard kdf.algorithm == KDF.keyFile else { return nil }
            guard salt.count == KDF.keyFileSaltSize else {
                throw RepositoryError.damaged(object: "key slot \(id.short)", reason: "unreadable fields")
            }
            kek = try keyFileKEK(secret: secret, salt: salt, repository: repository)
        }
        do {
            let plain = try AEADCipher(.xchacha20Poly1305, key: kek)
                .open(sealed, nonce: nonce, associatedData: Self.associatedData(repository: repository, key: id, role: role))
            return try RepositorySecrets(decoding: plain, repository: repository)
        } catch CryptoError.authenticationFailure {
            return nil
        }
    }
}
