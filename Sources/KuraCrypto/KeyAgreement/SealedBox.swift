internal import CSodium

/// Anonymous public-key encryption (libsodium sealed boxes: an ephemeral X25519 key and
/// XSalsa20-Poly1305). Anyone can seal to a public key; only its private key opens.
/// Kura seals each pack key to the repository's data public key, so write-only keys can
/// create data they cannot read back.
public enum SealedBox {
    public static let overhead = 48

    public static func seal(_ message: some ContiguousBytesView, to recipient: X25519.PublicKey) -> [UInt8] {
        requireSodium()
        return message.withBytes { m in
            var output = [UInt8](repeating: 0, count: m.count + overhead)
            let status = crypto_box_seal(&output, m.nonNullBase, UInt64(m.count), recipient.bytes)
            precondition(status == 0, "libsodium crypto_box_seal failed")
            return output
        }
    }

    /// Opens a sealed box into secure memory; throws `authenticationFailure` if it was not
    /// sealed to this key or was altered.
    public static func open(_ sealed: some ContiguousBytesView, with key: X25519.PrivateKey) throws(CryptoError) -> SecureBytes {
        requireSodium()
        return try sealed.withBytes { (s) throws(CryptoError) -> SecureBytes in
            guard s.count >= overhead else { throw .authenticationFailure }
            let output = try SecureBytes(count: s.count - overhead)
            let status = key.scalar.withUnsafeBytes { sk in
                output.withUnsafeMutableBytes { out in
                    crypto_box_seal_open(out.nonNullBase, s.nonNullBase, UInt64(s.count), key.publicKey.bytes, sk.nonNullBase)
                }
            }
            guard status == 0 else { throw .authenticationFailure }
            return output
        }
    }
}
