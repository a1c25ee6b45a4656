import Foundation
import KuraCrypto

/// A record signed (Ed25519) by the key that wrote it: generations, drill results, audit
/// entries. The signature covers the record's canonical JSON with the signature field empty.
protocol SignedRecord: Codable {
    /// The key slot that signed the record.
    var signer: KeyID { get set }
    /// Base64 of the Ed25519 signature.
    var signature: String { get set }
}

extension SignedRecord {
    /// The bytes the signature covers.
    func signedBytes() throws -> [UInt8] {
        var unsigned = self
        unsigned.signature = ""
        return Array(try JSONEncoder.kura.encode(unsigned))
    }

    /// This record signed by `key` on behalf of slot `id`.
    func signed(by key: Ed25519.PrivateKey, as id: KeyID) throws -> Self {
        var record = self
        record.signer = id
        record.signature = Base64.encode(key.signature(for: try record.signedBytes()), padded: true)
        return record
    }

    /// Whether the signature verifies under the public key of the slot that claims it.
    func hasValidSignature(signers: [KeyID: Ed25519.PublicKey]) -> Bool {
        guard let key = signers[signer], let signature = Base64.decodeCanonicalPadded(signature),
              let bytes = try? signedBytes() else { return false }
        return key.isValidSignature(signature, for: bytes)
    }
}

extension Generation: SignedRecord {
    var signer: KeyID {
        get { writer }
        set { writer = newValue }
    }
}

extension DrillRecord: SignedRecord {
    var signer: KeyID {
        get { writer }
        set { writer = newValue }
    }
}
