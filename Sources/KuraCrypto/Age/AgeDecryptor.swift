/// Reads an age v1 file in two steps: the header first (so the caller can see whether it
/// needs a passphrase or identities), then the payload.
public final class AgeDecryptor {
    public let header: AgeHeader
    /// Whether the input was ASCII-armored.
    public let isArmored: Bool
    private let payloadSource: ByteSource

    /// Reads and checks the header's grammar; detects armor on its own.
    public init(source: ByteSource) throws {
        let buffered = BufferedSource(source)
        // Armor may be preceded by whitespace (up to 1 KiB here); a binary file never is.
        let head = try buffered.peek(1024 + AgeArmor.beginLine.utf8.count)
        let leading = head.prefix(1024).prefix(while: AgeArmor.isWhitespace).count
        let trimmed = head.dropFirst(leading)
        // Text that starts like PEM, or has the BEGIN line further in, goes to the armor reader,
        // whose error says what is wrong with the armor.
        let looksArmored = !head.starts(with: "age-encryption.org/".utf8)
            && (trimmed.starts(with: "-----".utf8) || head.firstRange(of: Array(AgeArmor.beginLine.utf8)) != nil)
        if looksArmored {
            var skip = [UInt8](repeating: 0, count: leading)
            _ = try skip.withUnsafeMutableBytes { try buffered.fill($0) }
            let decoded = BufferedSource(try ArmorReader(source: buffered))
            header = try AgeHeader.read(from: decoded)
            payloadSource = decoded
            isArmored = true
        } else {
            header = try AgeHeader.read(from: buffered)
            payloadSource = buffered
            isArmored = false
        }
        if header.stanzas.count > 1, header.stanzas.contains(where: { PassphraseStanza.isPassphraseType($0.type) }) {
            throw AgeError.passphraseStanzaNotAlone
        }
    }

    /// Whether the file is protected by a passphrase rather than public keys.
    public var needsPassphrase: Bool {
        header.stanzas.contains { PassphraseStanza.isPassphraseType($0.type) }
    }

    /// Unwraps the file key with `identities`, checks the header MAC, and streams the
    /// verified plaintext to `sink`. Plaintext of a chunk reaches `sink` only after that chunk
    /// authenticated; a truncated or extended file still fails at the end.
    public func decrypt(with identities: [any AgeIdentity], to sink: ByteSink) throws {
        var fileKey: SecureBytes?
        for identity in identities {
            if let key = try identity.unwrap(stanzas: header.stanzas) {
                fileKey = key
                break
            }
        }
        guard let fileKey else {
            throw needsPassphrase && identities.contains(where: { $0 is PassphraseIdentity })
                ? AgeError.wrongPassphrase : AgeError.noIdentityMatched
        }
        guard try header.isAuthentic(fileKey: fileKey) else { throw AgeError.headerAuthenticationFailed }

        var nonce = [UInt8](repeating: 0, count: AgePayload.nonceSize)
        let nonceLength = try nonce.withUnsafeMutableBytes { try payloadSource.fill($0) }
        guard nonceLength == AgePayload.nonceSize else { throw AgeError.truncatedBeforePayload }
        try AgePayload(fileKey: fileKey, nonce: nonce).decrypt(from: payloadSource, to: sink)
    }
}
