internal import COpenSSL

/// SHA-256 (FIPS 180-4) through OpenSSL: one-shot, or incremental for streams.
public struct SHA256: ~Copyable {
    public static let digestSize = 32
    private let context: OpaquePointer

    public init() {
        guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            fatalError("OpenSSL could not create a SHA-256 context (out of memory)")
        }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    public mutating func update(_ data: some ContiguousBytesView) {
        data.withBytes { buffer in
            guard buffer.count > 0 else { return }
            _ = EVP_DigestUpdate(context, buffer.baseAddress, buffer.count)
        }
    }

    public consuming func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Self.digestSize)
        var length: UInt32 = 0
        _ = EVP_DigestFinal_ex(context, &digest, &length)
        return digest
    }

    /// The digest of `data` in one call.
    public static func hash(_ data: some ContiguousBytesView) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data)
        return hasher.finalize()
    }
}
