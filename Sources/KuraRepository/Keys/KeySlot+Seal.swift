import Foundation
import KuraCrypto

extension KeySlot {
    /// What the slot's own key signs each time it wraps its secrets: the Argon2id cost and
    /// salt, the nonce and the sealed secrets, bound to the repository and the key. Nothing in
    /// a certificate covers them (`key passwd` changes them without an admin), and without
    /// this signature anyone who can write to storage could make a genuine slot cost 4 GiB to try.
    private struct SealedFields: Codable {
        var repository: RepositoryID
        var id: KeyID
        var kdf: KDF
        var nonce: String
        var secrets: String
    }

    private func sealedBytes(repository: RepositoryID) throws -> [UInt8] {
        Array(try JSONEncoder.kura.encode(SealedFields(repository: repository, id: id, kdf: kdf, nonce: nonce, secrets: secrets)))
    }

    /// Signs the wrapped secrets and their cost with the slot's own signing key.
    mutating func seal(with signingKey: Ed25519.PrivateKey, repository: RepositoryID) throws {
        sealSignature = Base64.encode(signingKey.signature(for: try sealedBytes(repository: repository)), padded: true)
    }

    /// Whether the slot's own key signed its current cost, salt, nonce and secrets.
    func hasValidSeal(repository: RepositoryID) -> Bool {
        guard let publicKey = signingPublicKey, let sealSignature, let signature = Base64.decodeCanonicalPadded(sealSignature),
              let bytes = try? sealedBytes(repository: repository) else { return false }
        return publicKey.isValidSignature(signature, for: bytes)
    }

    /// The Argon2id cost its fields ask for.
    var parameters: Argon2idParameters { Argon2idParameters(iterations: kdf.iterations, memoryKiB: kdf.memoryKiB) }
}
