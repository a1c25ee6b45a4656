internal import CSodium

// The birational map from Ed25519 to X25519 keys (libsodium's crypto_sign_ed25519_*_to_curve25519).
// Kura seals a key epoch's secrets to each key slot's own signing key this way, so slots
// need no second key pair (age's ssh-ed25519 recipients do the same).
extension Ed25519.PublicKey {
    /// The X25519 public key of the same key pair; throws for points that are not valid keys.
    public func agreementKey() throws(CryptoError) -> X25519.PublicKey {
        requireSodium()
        var output = [UInt8](repeating: 0, count: X25519.keySize)
        guard crypto_sign_ed25519_pk_to_curve25519(&output, bytes) == 0 else {
            throw .invalidInput("the Ed25519 public key is not a valid curve point")
        }
        return X25519.PublicKey(bytes: output)
    }
}

extension Ed25519.PrivateKey {
    /// The X25519 private key of the same key pair.
    public func agreementKey() throws(CryptoError) -> X25519.PrivateKey {
        let scalar = try SecureBytes(count: X25519.keySize)
        let status = secret.withUnsafeBytes { sk in
            scalar.withUnsafeMutableBytes { out in crypto_sign_ed25519_sk_to_curve25519(out.nonNullBase, sk.nonNullBase) }
        }
        guard status == 0 else { throw .libraryFailure("Ed25519 to X25519 conversion") }
        return try X25519.PrivateKey(scalar: scalar)
    }
}
