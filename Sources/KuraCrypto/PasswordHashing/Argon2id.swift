internal import CSodium

/// Cost parameters for Argon2id. Parallelism is always 1: that is what libsodium computes.
public struct Argon2idParameters: Sendable, Equatable, CustomStringConvertible {
    public var iterations: UInt32
    public var memoryKiB: UInt32

    public init(iterations: UInt32, memoryKiB: UInt32) {
        self.iterations = iterations
        self.memoryKiB = memoryKiB
    }

    /// What Kura writes by default: t=3, m=256 MiB (DESIGN.md's floor).
    public static let recommended = Argon2idParameters(iterations: 3, memoryKiB: 256 * 1024)

    /// The most Kura spends on parameters read from a file it did not write: 1 GiB and ten
    /// passes, a few seconds on a server. A hostile file cannot ask for more.
    public static let untrustedLimit = Argon2idParameters(iterations: 10, memoryKiB: 1024 * 1024)

    public var description: String { "t=\(iterations), m=\(memoryKiB) KiB, p=1" }
}

/// Argon2id (RFC 9106, version 0x13) through libsodium's `crypto_pwhash`.
public enum Argon2id {
    public static let saltSize = 16

    /// Derives `length` bytes from `password`. Throws `parametersOutOfBounds` when `parameters`
    /// exceed `limit` or libsodium's own bounds.
    public static func deriveKey(password: some ContiguousBytesView, salt: some ContiguousBytesView,
                                 parameters: Argon2idParameters,
                                 limit: Argon2idParameters = .untrustedLimit,
                                 length: Int = 32) throws(CryptoError) -> SecureBytes {
        requireSodium()
        guard parameters.iterations >= 1, parameters.iterations <= limit.iterations else {
            throw .parametersOutOfBounds("Argon2id iterations \(parameters.iterations) outside 1...\(limit.iterations)")
        }
        guard parameters.memoryKiB >= 8, parameters.memoryKiB <= limit.memoryKiB else {
            throw .parametersOutOfBounds("Argon2id memory \(parameters.memoryKiB) KiB outside 8...\(limit.memoryKiB) KiB")
        }
        guard length >= 16, length <= 1024 else {
            throw .invalidInput("Argon2id output length must be 16...1024 bytes")
        }
        let output = try SecureBytes(count: length)
        let status: Int32 = try salt.withBytes { (saltBuffer) throws(CryptoError) -> Int32 in
            guard saltBuffer.count == saltSize else {
                throw .invalidInput("Argon2id salt must be \(saltSize) bytes, not \(saltBuffer.count)")
            }
            return password.withBytes { passwordBuffer in
                output.withUnsafeMutableBytes { out in
                    crypto_pwhash(out.nonNullBase, UInt64(length),
                                  UnsafeRawPointer(passwordBuffer.nonNullBase).assumingMemoryBound(to: CChar.self),
                                  UInt64(passwordBuffer.count), saltBuffer.nonNullBase,
                                  UInt64(parameters.iterations), Int(parameters.memoryKiB) * 1024,
                                  crypto_pwhash_ALG_ARGON2ID13)
                }
            }
        }
        guard status == 0 else { throw .outOfMemory }
        return output
    }
}
