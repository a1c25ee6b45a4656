internal import CSodium

/// Ed25519 signatures (RFC 8032) through libsodium, which rejects non-canonical encodings and
/// small-order keys when verifying.
public enum Ed25519 {
    public static let seedSize = 32
    public static let publicKeySize = 32
    public static let signatureSize = 64

    /// A signing key: its 32-byte seed and the expanded secret kept in secure memory.
    public final class PrivateKey: @unchecked Sendable {
        /// The 64-byte libsodium secret key (seed followed by public key).
        let secret: SecureBytes
        public let publicKey: PublicKey

        /// A new random key.
        public convenience init() throws(CryptoError) {
            try self.init(seed: SecureBytes.random(count: seedSize))
        }

        /// The key determined by a 32-byte seed (RFC 8032's "secret key").
        public init(seed: SecureBytes) throws(CryptoError) {
            requireSodium()
            guard seed.count == seedSize else { throw .invalidInput("an Ed25519 seed is \(seedSize) bytes") }
            let secret = try SecureBytes(count: 64)
            var publicBytes = [UInt8](repeating: 0, count: publicKeySize)
            let status = seed.withUnsafeBytes { s in
                secret.withUnsafeMutableBytes { sk in
                    crypto_sign_seed_keypair(&publicBytes, sk.nonNullBase, s.nonNullBase)
                }
            }
            guard status == 0 else { throw .libraryFailure("Ed25519 key generation") }
            self.secret = secret
            self.publicKey = PublicKey(uncheckedBytes: publicBytes)
        }

        /// The seed, for storing the key.
        public func seed() throws(CryptoError) -> SecureBytes { try secret.slice(0..<seedSize) }

        public func signature(for message: some ContiguousBytesView) -> [UInt8] {
            var signature = [UInt8](repeating: 0, count: signatureSize)
            message.withBytes { m in
                secret.withUnsafeBytes { sk in
                    _ = crypto_sign_detached(&signature, nil, m.nonNullBase, UInt64(m.count), sk.nonNullBase)
                }
            }
            return signature
        }
    }

    public struct PublicKey: Sendable, Hashable {
        public let bytes: [UInt8]

        public init(bytes: [UInt8]) throws(CryptoError) {
            guard bytes.count == publicKeySize else { throw .invalidInput("an Ed25519 public key is \(publicKeySize) bytes") }
            self.bytes = bytes
        }

        init(uncheckedBytes: [UInt8]) { self.bytes = uncheckedBytes }

        /// Whether `signature` is a valid signature of `message` by this key.
        public func isValidSignature(_ signature: some ContiguousBytesView, for message: some ContiguousBytesView) -> Bool {
            requireSodium()
            return signature.withBytes { s in
                guard s.count == signatureSize else { return false }
                return message.withBytes { m in
                    crypto_sign_verify_detached(s.nonNullBase, m.nonNullBase, UInt64(m.count), bytes) == 0
                }
            }
        }
    }
}
