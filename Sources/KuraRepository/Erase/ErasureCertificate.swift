import Foundation
import KuraCrypto

/// A statement of what an erase did, signed (Ed25519) by the key that did it, and checkable
/// offline with nothing but the certificate: the signature covers the exact UTF-8 bytes of
/// `payload`, a JSON text, so a verifier needs no canonical re-encoding (docs/ERASE.md).
public struct ErasureCertificate: Sendable {
    public static let format = "kura-erase-certificate-v1"

    /// JSON with sorted keys: what was erased, when, by which key.
    public let payload: String
    public let signature: [UInt8]
    /// The acting key's Ed25519 public key (its slot's `signingKey`).
    public let publicKey: Ed25519.PublicKey

    public init(payload: String, signature: [UInt8], publicKey: Ed25519.PublicKey) {
        self.payload = payload
        self.signature = signature
        self.publicKey = publicKey
    }

    /// The payload's fields.
    public var fields: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(payload.utf8))) as? [String: Any] ?? [:]
    }

    /// Whether the signature verifies under the public key it carries.
    public var isValid: Bool { publicKey.isValidSignature(signature, for: Array(payload.utf8)) }

    /// The certificate as printed and stored: format, algorithm, payload, signature, public key.
    public var json: [String: Any] {
        ["format": Self.format, "algorithm": "ed25519", "payload": payload,
         "signature": Base64.encode(signature, padded: true), "publicKey": Base64.encode(publicKey.bytes, padded: true)]
    }

    /// Parses what `json` produced; nil when a field is missing or malformed.
    public init?(json object: [String: Any]) {
        guard object["format"] as? String == Self.format, let payload = object["payload"] as? String,
              let signature = (object["signature"] as? String).flatMap(Base64.decodeCanonicalPadded),
              let key = (object["publicKey"] as? String).flatMap(Base64.decodeCanonicalPadded),
              let publicKey = try? Ed25519.PublicKey(bytes: key) else { return nil }
        self.init(payload: payload, signature: signature, publicKey: publicKey)
    }

    /// JSON text with sorted keys and unescaped slashes.
    static func text(_ object: [String: Any]) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}

extension Repository {
    /// Signs `fields` (plus the format, repository ID and acting key) with this handle's key.
    public func certify(_ fields: [String: Any]) throws -> ErasureCertificate {
        var object = fields
        object["format"] = ErasureCertificate.format
        object["repository"] = config.id.hex
        object["actor"] = ["id": keySlot.id.hex, "name": keySlot.name, "role": keySlot.role.rawValue]
        let payload = try ErasureCertificate.text(object)
        return ErasureCertificate(payload: payload, signature: secrets.signingKey.signature(for: Array(payload.utf8)),
                                  publicKey: secrets.signingKey.publicKey)
    }
}
