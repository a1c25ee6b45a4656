/// Something a file can be encrypted to: it wraps the file key into one or more stanzas.
public protocol AgeRecipient {
    func wrap(fileKey: SecureBytes) throws -> [AgeStanza]
    /// Passphrase recipients must be the only recipient of a file.
    var requiresSoleStanza: Bool { get }
}

/// Something that can decrypt a file: it finds a stanza addressed to it and unwraps the file key.
public protocol AgeIdentity {
    /// The file key, or nil if no stanza is addressed to this identity. Throws when a stanza
    /// of this identity's type is malformed: the format requires rejecting the file then.
    func unwrap(stanzas: [AgeStanza]) throws -> SecureBytes?
}

enum AgeWrapping {
    static let fileKeySize = 16
    static let zeroNonce = [UInt8](repeating: 0, count: 12)

    /// ChaCha20-Poly1305 with the all-zero nonce: safe because every wrap key is fresh
    /// (derived from a new ephemeral key or a new salt) and used exactly once.
    static func seal(fileKey: SecureBytes, with wrapKey: SecureBytes) throws -> [UInt8] {
        try AEADCipher(.chacha20Poly1305, key: wrapKey).seal(fileKey, nonce: zeroNonce)
    }

    /// The file key, or nil if `body` does not open under `wrapKey`.
    static func open(body: [UInt8], with wrapKey: SecureBytes) throws -> SecureBytes? {
        do {
            return try AEADCipher(.chacha20Poly1305, key: wrapKey).open(body, nonce: zeroNonce)
        } catch CryptoError.authenticationFailure {
            return nil
        }
    }

    /// Decodes an argument that must be the canonical base64 of exactly `size` bytes.
    static func decodeArgument(_ argument: String, size: Int, type: String, what: String) throws -> [UInt8] {
        guard let bytes = Base64.decodeCanonical(argument), bytes.count == size else {
            throw AgeError.malformedStanza(type: type, reason: "the \(what) is not canonical base64 of \(size) bytes")
        }
        return bytes
    }

    /// Parses a decimal argument with no leading zeros (`^[1-9][0-9]*$`).
    static func decodeDecimal(_ argument: String, type: String, what: String) throws -> UInt64 {
        let digits = Array(argument.utf8)
        guard let first = digits.first, first != UInt8(ascii: "0"), digits.count <= 10,
              digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let value = UInt64(argument) else {
            throw AgeError.malformedStanza(type: type, reason: "the \(what) is not a decimal number without leading zeros")
        }
        return value
    }

    static func requireBody(_ stanza: AgeStanza, type: String) throws {
        guard stanza.body.count == fileKeySize + AEADAlgorithm.tagSize else {
            throw AgeError.malformedStanza(type: type, reason: "the body is not 32 bytes")
        }
    }
}
