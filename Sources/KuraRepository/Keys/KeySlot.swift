import Foundation
import KuraCrypto

/// What a key may do. Roles are enforced by what a slot's secrets can decrypt (issue 4);
/// for now every slot is an admin slot.
public enum Role: String, Codable, Sendable, CaseIterable {
    case admin, backup, restore, auditor
}

/// One key slot (`keys/<id>`): the repository secrets wrapped under a key-encryption key
/// stretched from a password with Argon2id. The KEK wraps secrets only; it never encrypts data.
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
    /// XChaCha20-Poly1305 nonce and sealed secrets, base64.
    public var nonce: String
    public var secrets: String

    public struct KDF: Codable, Sendable {
        public var algorithm: String
        public var salt: String
        public var iterations: UInt32
        public var memoryKiB: UInt32
    }

    static func associatedData(repository: RepositoryID, key: KeyID, role: Role) -> [UInt8] {
        Array("kura-key-slot-v1".utf8) + repository.bytes + key.bytes + Array(role.rawValue.utf8)
    }

    /// Wraps `secrets` under `password`.
    static func seal(_ secrets: RepositorySecrets, repository: RepositoryID, role: Role, name: String,
                     password: SecureBytes, parameters: Argon2idParameters) throws -> KeySlot {
        let id = KeyID.random()
        let salt = SecureRandom.bytes(Argon2id.saltSize)
        let kek = try Argon2id.deriveKey(password: password, salt: salt, parameters: parameters, limit: parameters)
        let nonce = SecureRandom.bytes(24)
        let sealed = try AEADCipher(.xchacha20Poly1305, key: kek)
            .seal(try secrets.encoded(), nonce: nonce,
                  associatedData: associatedData(repository: repository, key: id, role: role))
        return KeySlot(version: 1, id: id, role: role, name: name, created: KuraClock.now,
                       kdf: KDF(algorithm: "argon2id", salt: Base64.encode(salt, padded: true),
                                iterations: parameters.iterations, memoryKiB: parameters.memoryKiB),
                       nonce: Base64.encode(nonce, padded: true), secrets: Base64.encode(sealed, padded: true))
    }

    /// The secrets, if `password` opens this slot; nil if it does not.
    func open(password: SecureBytes, repository: RepositoryID) throws -> RepositorySecrets? {
        guard kdf.algorithm == "argon2id",
              let salt = Base64.decodeCanonicalPadded(kdf.salt),
              let nonce = Base64.decodeCanonicalPadded(nonce),
              let sealed = Base64.decodeCanonicalPadded(secrets) else {
            throw RepositoryError.damaged(object: "key slot \(id.short)", reason: "unreadable fields")
        }
        let parameters = Argon2idParameters(iterations: kdf.iterations, memoryKiB: kdf.memoryKiB)
        let kek = try Argon2id.deriveKey(password: password, salt: salt, parameters: parameters,
                                         limit: Argon2idParameters(iterations: 64, memoryKiB: 4 * 1024 * 1024))
        do {
            let plain = try AEADCipher(.xchacha20Poly1305, key: kek)
                .open(sealed, nonce: nonce, associatedData: Self.associatedData(repository: repository, key: id, role: role))
            return try RepositorySecrets(decoding: plain)
        } catch CryptoError.authenticationFailure {
            return nil
        }
    }
}
