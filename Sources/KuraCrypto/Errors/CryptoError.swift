/// The closed set of failures of Kura's cryptographic primitives.
///
/// `authenticationFailure` deliberately carries no detail: a caller learns only that the
/// ciphertext, tag, key or associated data did not match, never which.
public enum CryptoError: Error, Equatable, Sendable {
    /// A MAC, AEAD tag or signature did not verify.
    case authenticationFailure
    /// An input had the wrong size or shape (key, nonce, tag, encoded value).
    case invalidInput(String)
    /// Cost parameters outside what Kura accepts (for example, an untrusted file asking for
    /// more memory or time than is safe to spend).
    case parametersOutOfBounds(String)
    /// An X25519 exchange produced the all-zero secret: the peer sent a low-order point.
    case weakPublicKey
    /// Secure memory could not be allocated (mlock limits or an out-of-memory machine).
    case outOfMemory
    /// The underlying library failed where it should not (not an input problem).
    case libraryFailure(String)
}

extension CryptoError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .authenticationFailure: "authentication failed"
        case .invalidInput(let what): "invalid input: \(what)"
        case .parametersOutOfBounds(let what): "parameters out of bounds: \(what)"
        case .weakPublicKey: "the public key is a low-order point"
        case .outOfMemory: "secure memory could not be allocated"
        case .libraryFailure(let what): "cryptographic library failure: \(what)"
        }
    }
}
