import KuraCrypto

/// What opens a key slot: a password, stretched with Argon2id because people choose it, or
/// the random 256-bit secret of a key file, which needs no stretching (docs/KEYS.md, "Key files").
public enum KeyCredential: Sendable {
    case password(SecureBytes)
    case keyFileSecret(SecureBytes)

    /// A fresh secret for a new key file.
    public static func newKeyFileSecret() throws -> KeyCredential {
        .keyFileSecret(try .random(count: KeyFile.secretSize))
    }
}
