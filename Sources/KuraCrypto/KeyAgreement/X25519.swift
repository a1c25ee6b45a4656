internal import CSodium

/// X25519 key agreement (RFC 7748) through libsodium.
public enum X25519 {
    public static let keySize = 32

    /// Immutable after init: `SecureBytes` is a class, hence `@unchecked`, but nothing here
    /// writes to the scalar once it is made.
    public final class PrivateKey: @unchecked Sendable {
        public let scalar: SecureBytes
        public let publicKey: PublicKey

        /// A new random key.
        public convenience init() throws(CryptoError) {
            try self.init(scalar: SecureBytes.random(count: keySize))
        }

        /// The key for a 32-byte scalar (clamped by the function, as RFC 7748 says).
        public init(scalar: SecureBytes) throws(CryptoError) {
            requireSodium()
            guard scalar.count == keySize else { throw .invalidInput("an X25519 private key is \(keySize) bytes") }
            var publicBytes = [UInt8](repeating: 0, count: keySize)
            let status = scalar.withUnsafeBytes { crypto_scalarmult_base(&publicBytes, $0.nonNullBase) }
            guard status == 0 else { throw .weakPublicKey }
            self.scalar = scalar
            self.publicKey = PublicKey(bytes: publicBytes)
        }

        /// The shared secret with `peer`. Throws `weakPublicKey` when the result is all zeros
        /// (a low-order peer point), which RFC 7748 §6.1 says to check.
        public func sharedSecret(with peer: PublicKey) throws(CryptoError) -> SecureBytes {
            try X25519.multiply(scalar: scalar, point: peer.bytes)
        }
    }

    public struct PublicKey: Sendable, Hashable {
        public let bytes: [UInt8]

        public init(bytes: [UInt8]) {
            precondition(bytes.count == keySize, "an X25519 public key is 32 bytes")
            self.bytes = bytes
        }

        public init(validating bytes: [UInt8]) throws(CryptoError) {
            guard bytes.count == keySize else { throw .invalidInput("an X25519 public key is \(keySize) bytes") }
            self.bytes = bytes
        }
    }

    /// The raw function X25519(k, u).
    public static func multiply(scalar: SecureBytes, point: [UInt8]) throws(CryptoError) -> SecureBytes {
        requireSodium()
        guard scalar.count == keySize, point.count == keySize else {
            throw .invalidInput("X25519 scalars and points are \(keySize) bytes")
        }
        let output = try SecureBytes(count: keySize)
        let status = scalar.withUnsafeBytes { k in
            output.withUnsafeMutableBytes { out in crypto_scalarmult(out.nonNullBase, k.nonNullBase, point) }
        }
        guard status == 0 else { throw .weakPublicKey }
        return output
    }
}
