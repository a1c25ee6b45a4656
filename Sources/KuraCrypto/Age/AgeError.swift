/// Why an age file could not be read or written. Each case belongs to one `Kind`, which is
/// what tests and exit codes look at; the associated text is for the admin.
public enum AgeError: Error, Equatable, Sendable {
    /// The input is not an age file at all (no version line).
    case notAgeFile
    /// An age file of a version Kura does not read.
    case unsupportedVersion(String)
    /// The header breaks the format's rules (what, in words).
    case malformedHeader(String)
    /// A recipient stanza addressed to a type Kura implements is malformed.
    case malformedStanza(type: String, reason: String)
    /// A passphrase stanza appears beside other stanzas, which the format forbids.
    case passphraseStanzaNotAlone
    /// The file asks for more passphrase-hashing work than Kura will spend on an untrusted file.
    case workFactorTooHigh(String)
    /// The file key unwrapped, but the header MAC does not match: the header was altered.
    case headerAuthenticationFailed
    /// X25519 produced an all-zero secret (a low-order ephemeral share).
    case weakEphemeralShare
    /// None of the given identities opens any stanza.
    case noIdentityMatched
    /// The passphrase does not open the passphrase stanza.
    case wrongPassphrase
    /// The file is passphrase-protected but no passphrase was given, or the reverse.
    case needsPassphrase
    case needsIdentity
    /// A payload chunk failed authentication (zero-based chunk number).
    case payloadDamaged(chunk: UInt64)
    /// The file ends inside the 16-byte payload nonce. age counts the nonce as part of the
    /// header, so this is a header failure, though to an admin it is a truncated file.
    case truncatedBeforePayload
    /// The payload ends before its final chunk.
    case payloadTruncated
    /// Data follows the final chunk.
    case trailingData
    /// The final chunk is empty although earlier chunks exist.
    case emptyFinalChunk
    /// The ASCII armor is malformed (what, in words).
    case malformedArmor(String)
    /// A recipient or identity string could not be parsed.
    case invalidRecipient(String)
    case invalidIdentity(String)

    public enum Kind: String, Sendable {
        case header, noMatch, payload, armor, key
    }

    public var kind: Kind {
        switch self {
        case .notAgeFile, .unsupportedVersion, .malformedHeader, .malformedStanza, .passphraseStanzaNotAlone,
             .workFactorTooHigh, .headerAuthenticationFailed, .weakEphemeralShare, .truncatedBeforePayload:
            .header
        case .noIdentityMatched, .wrongPassphrase, .needsPassphrase, .needsIdentity:
            .noMatch
        case .payloadDamaged, .payloadTruncated, .trailingData, .emptyFinalChunk:
            .payload
        case .malformedArmor:
            .armor
        case .invalidRecipient, .invalidIdentity:
            .key
        }
    }
}

extension AgeError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .notAgeFile: "the input is not an age-encrypted file"
        case .unsupportedVersion(let version): "unsupported age format version \"\(version)\""
        case .malformedHeader(let reason): "the age header is malformed: \(reason)"
        case .malformedStanza(let type, let reason): "the \(type) recipient stanza is malformed: \(reason)"
        case .passphraseStanzaNotAlone: "the header mixes a passphrase stanza with other recipients, which age forbids"
        case .workFactorTooHigh(let what): "the file asks for too much passphrase-hashing work (\(what))"
        case .headerAuthenticationFailed: "the header MAC does not match: the header was altered"
        case .weakEphemeralShare: "an X25519 stanza carries a low-order ephemeral share"
        case .noIdentityMatched: "none of the given identities can decrypt this file"
        case .wrongPassphrase: "wrong passphrase"
        case .needsPassphrase: "the file is encrypted with a passphrase"
        case .needsIdentity: "the file is encrypted to public keys, not with a passphrase"
        case .payloadDamaged(let chunk): "the payload is damaged (chunk \(chunk) failed authentication)"
        case .truncatedBeforePayload: "the file is truncated: it ends before the payload starts"
        case .payloadTruncated: "the file is truncated: the payload ends before its final chunk"
        case .trailingData: "unexpected data after the end of the encrypted payload"
        case .emptyFinalChunk: "the payload ends with an empty chunk, which age forbids"
        case .malformedArmor(let reason): "the ASCII armor is malformed: \(reason)"
        case .invalidRecipient(let reason): "invalid recipient: \(reason)"
        case .invalidIdentity(let reason): "invalid identity: \(reason)"
        }
    }
}
