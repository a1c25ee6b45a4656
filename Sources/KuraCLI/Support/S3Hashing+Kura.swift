import KuraCrypto
import KuraStorage

extension S3Hashing {
    /// SigV4's hashes from Kura's crypto layer (Storage has none of its own).
    static let kura = S3Hashing(sha256: { SHA256.hash($0) }, hmacSHA256: { HMACSHA256.authenticate($1, key: $0) })
}
