import KuraCrypto

/// The random secrets a key slot wraps, and the purpose keys derived from them.
///
/// Encoded as 98 bytes: version (1), reserved (1), master secret (32), X25519 data private
/// key (32), Ed25519 signing seed (32).
public struct RepositorySecrets: Sendable {
    let master: SecureBytes
    let dataKey: X25519.PrivateKey
    let signingKey: Ed25519.PrivateKey

    static func generate() throws -> RepositorySecrets {
        RepositorySecrets(master: try .random(count: 32), dataKey: try X25519.PrivateKey(),
                          signingKey: try Ed25519.PrivateKey())
    }

    init(master: SecureBytes, dataKey: X25519.PrivateKey, signingKey: Ed25519.PrivateKey) {
        self.master = master
        self.dataKey = dataKey
        self.signingKey = signingKey
    }

    init(decoding bytes: SecureBytes) throws {
        guard bytes.count == 98, bytes.withUnsafeBytes({ $0[0] }) == 1 else {
            throw RepositoryError.damaged(object: "key slot", reason: "unknown secrets layout")
        }
        master = try bytes.slice(2..<34)
        dataKey = try X25519.PrivateKey(scalar: bytes.slice(34..<66))
        signingKey = try Ed25519.PrivateKey(seed: bytes.slice(66..<98))
    }

    func encoded() throws -> SecureBytes {
        let out = try SecureBytes(count: 98)
        let seed = try signingKey.seed()
        out.withUnsafeMutableBytes { target in
            target[0] = 1
            master.withUnsafeBytes { target.baseAddress!.advanced(by: 2).copyMemory(from: $0.baseAddress!, byteCount: 32) }
            dataKey.scalar.withUnsafeBytes { target.baseAddress!.advanced(by: 34).copyMemory(from: $0.baseAddress!, byteCount: 32) }
            seed.withUnsafeBytes { target.baseAddress!.advanced(by: 66).copyMemory(from: $0.baseAddress!, byteCount: 32) }
        }
        return out
    }

    /// HKDF-SHA-256(master, salt = repository ID, info = "kura/v1/" + purpose).
    func derive(_ purpose: String, repository: RepositoryID) throws -> SecureBytes {
        try HKDF.deriveKey(inputKeyMaterial: master, salt: repository.bytes, info: Array("kura/v1/\(purpose)".utf8), length: 32)
    }
}
