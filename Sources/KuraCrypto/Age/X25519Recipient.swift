/// An age X25519 recipient (`age1…`): a public key files are encrypted to.
public struct X25519Recipient: AgeRecipient, Sendable, Equatable {
    static let stanzaType = "X25519"
    static let label = Array("age-encryption.org/v1/X25519".utf8)

    public let publicKey: X25519.PublicKey
    public var requiresSoleStanza: Bool { false }

    public init(publicKey: X25519.PublicKey) { self.publicKey = publicKey }

    /// Parses `age1…` (Bech32, lower case).
    public init(parsing text: String) throws {
        guard let (hrp, data) = Bech32.decode(text), text == text.lowercased() else {
            throw AgeError.invalidRecipient("\"\(text)\" is not a valid Bech32 age recipient")
        }
        guard hrp == "age", data.count == X25519.keySize else {
            throw AgeError.invalidRecipient("\"\(text)\" is not an X25519 age recipient (age1…)")
        }
        publicKey = X25519.PublicKey(bytes: data)
    }

    public var encoded: String { Bech32.encode(hrp: "age", data: publicKey.bytes) }

    public func wrap(fileKey: SecureBytes) throws -> [AgeStanza] {
        let ephemeral = try X25519.PrivateKey()
        let shared = try ephemeral.sharedSecret(with: publicKey)
        let share = ephemeral.publicKey.bytes
        let wrapKey = try HKDF.deriveKey(inputKeyMaterial: shared, salt: share + publicKey.bytes,
                                         info: Self.label, length: 32)
        let body = try AgeWrapping.seal(fileKey: fileKey, with: wrapKey)
        return [AgeStanza(arguments: [Self.stanzaType, Base64.encode(share, padded: false)], body: body)]
    }
}

/// An age X25519 identity (`AGE-SECRET-KEY-1…`): the private key that decrypts.
public struct X25519Identity: AgeIdentity, Sendable {
    public let privateKey: X25519.PrivateKey

    public init(privateKey: X25519.PrivateKey) { self.privateKey = privateKey }

    /// A new random identity.
    public static func generate() throws -> X25519Identity {
        X25519Identity(privateKey: try X25519.PrivateKey())
    }

    /// Parses `AGE-SECRET-KEY-1…` (Bech32, upper case).
    public init(parsing text: String) throws {
        guard let (hrp, data) = Bech32.decode(text) else {
            throw AgeError.invalidIdentity("not a valid Bech32 string")
        }
        guard hrp == "age-secret-key-", data.count == X25519.keySize else {
            throw AgeError.invalidIdentity("not an X25519 age identity (AGE-SECRET-KEY-1…)")
        }
        var bytes = data
        defer { secureZero(&bytes) }
        privateKey = try X25519.PrivateKey(scalar: SecureBytes(copying: bytes))
    }

    public var recipient: X25519Recipient { X25519Recipient(publicKey: privateKey.publicKey) }

    /// The identity in its `AGE-SECRET-KEY-1…` form, for writing to a 0600 file.
    public func encoded() -> String {
        var scalar = privateKey.scalar.copyBytes()
        defer { secureZero(&scalar) }
        return Bech32.encode(hrp: "age-secret-key-", data: scalar, uppercase: true)
    }

    public func unwrap(stanzas: [AgeStanza]) throws -> SecureBytes? {
        for stanza in stanzas where stanza.type == X25519Recipient.stanzaType {
            let type = X25519Recipient.stanzaType
            guard stanza.arguments.count == 2 else {
                throw AgeError.malformedStanza(type: type, reason: "it must have exactly one argument after its type")
            }
            let share = try AgeWrapping.decodeArgument(stanza.arguments[1], size: 32, type: type, what: "ephemeral share")
            try AgeWrapping.requireBody(stanza, type: type)
            let shared: SecureBytes
            do {
                shared = try X25519.multiply(scalar: privateKey.scalar, point: share)
            } catch CryptoError.weakPublicKey {
                throw AgeError.weakEphemeralShare
            }
            let wrapKey = try HKDF.deriveKey(inputKeyMaterial: shared, salt: share + privateKey.publicKey.bytes,
                                             info: X25519Recipient.label, length: 32)
            if let fileKey = try AgeWrapping.open(body: stanza.body, with: wrapKey) { return fileKey }
        }
        return nil
    }
}
