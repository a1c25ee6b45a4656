/// Writes age v1 files.
public enum AgeEncryptor {
    /// Encrypts everything `source` yields to `recipients`, writing the age file to `sink`
    /// (ASCII-armored when `armor` is true), in constant memory.
    public static func encrypt(from source: ByteSource, to sink: ByteSink,
                               recipients: [any AgeRecipient], armor: Bool = false) throws {
        guard !recipients.isEmpty else { throw AgeError.invalidRecipient("no recipients given") }
        if recipients.count > 1, recipients.contains(where: \.requiresSoleStanza) {
            throw AgeError.passphraseStanzaNotAlone
        }
        let fileKey = try SecureBytes.random(count: AgeWrapping.fileKeySize)
        let stanzas = try recipients.flatMap { try $0.wrap(fileKey: fileKey) }
        let header = try AgeHeader(stanzas: stanzas, fileKey: fileKey)
        let nonce = SecureRandom.bytes(AgePayload.nonceSize)

        let armorWriter = armor ? try ArmorWriter(sink: sink) : nil
        let output: ByteSink = armorWriter ?? sink
        try output.write(header.encoded + nonce)
        try AgePayload(fileKey: fileKey, nonce: nonce).encrypt(from: source, to: output)
        try armorWriter?.finish()
    }
}
