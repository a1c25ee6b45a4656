internal import CSodium

/// Cost parameters for scrypt (RFC 7914).
public struct ScryptParameters: Sendable, Equatable {
    public var costN: UInt64
    public var blockSize: UInt32
    public var parallelism: UInt32

    public init(costN: UInt64, blockSize: UInt32, parallelism: UInt32) {
        self.costN = costN
        self.blockSize = blockSize
        self.parallelism = parallelism
    }

    /// Memory scrypt needs: 128 · r · N bytes.
    public var memoryBytes: UInt64 { 128 &* UInt64(blockSize) &* costN }
}

/// scrypt through libsodium, bounded so that a hostile file cannot make Kura allocate more
/// than 1 GiB or run for minutes.
public enum Scrypt {
    public static let maximumMemoryBytes: UInt64 = 1 << 30
    public static let maximumWork: UInt64 = 1 << 24

    public static func deriveKey(password: some ContiguousBytesView, salt: some ContiguousBytesView,
                                 parameters: ScryptParameters, length: Int = 32) throws(CryptoError) -> SecureBytes {
        requireSodium()
        let (n, r, p) = (parameters.costN, UInt64(parameters.blockSize), UInt64(parameters.parallelism))
        guard n >= 2, n & (n - 1) == 0, r >= 1, p >= 1 else {
            throw .invalidInput("scrypt needs N a power of two above 1, r ≥ 1 and p ≥ 1")
        }
        guard n <= maximumWork, r <= 1024, p <= 1024,
              parameters.memoryBytes <= maximumMemoryBytes, n * r * p <= maximumWork else {
            throw .parametersOutOfBounds("scrypt N=\(n), r=\(r), p=\(p) asks for more than 1 GiB or too much work")
        }
        guard length >= 1, length <= 1024 else { throw .invalidInput("scrypt output length must be 1...1024 bytes") }
        let output = try SecureBytes(count: length)
        let status = password.withBytes { passwordBuffer in
            salt.withBytes { saltBuffer in
                output.withUnsafeMutableBytes { out in
                    crypto_pwhash_scryptsalsa208sha256_ll(passwordBuffer.nonNullBase, passwordBuffer.count,
                                                          saltBuffer.nonNullBase, saltBuffer.count,
                                                          n, UInt32(r), UInt32(p), out.nonNullBase, length)
                }
            }
        }
        guard status == 0 else { throw .outOfMemory }
        return output
    }
}
