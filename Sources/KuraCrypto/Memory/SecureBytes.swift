internal import CSodium

/// A fixed-size buffer for secret bytes in libsodium guarded memory: locked out of swap where the
/// system allows, surrounded by guard pages, and zeroed when released.
///
/// It never prints its contents, and compares in constant time.
public final class SecureBytes: @unchecked Sendable {
    public let count: Int
    private let base: UnsafeMutableRawPointer

    /// A zero-filled buffer of `count` bytes.
    public init(count: Int) throws(CryptoError) {
        requireSodium()
        guard count >= 0 else { throw .invalidInput("negative secret length") }
        guard let memory = sodium_malloc(max(count, 1)) else { throw .outOfMemory }
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: max(count, 1))
        self.count = count
        self.base = memory
    }

    /// A buffer holding a copy of `bytes`.
    public convenience init<Bytes: Collection>(copying bytes: Bytes) throws(CryptoError) where Bytes.Element == UInt8 {
        try self.init(count: bytes.count)
        let destination = base.assumingMemoryBound(to: UInt8.self)
        for (offset, byte) in bytes.enumerated() { destination[offset] = byte }
    }

    /// `count` bytes from the operating system's CSPRNG.
    public static func random(count: Int) throws(CryptoError) -> SecureBytes {
        let bytes = try SecureBytes(count: count)
        bytes.withUnsafeMutableBytes { SecureRandom.fill($0) }
        return bytes
    }

    deinit { sodium_free(base) }

    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    public func withUnsafeMutableBytes<R, E: Error>(_ body: (UnsafeMutableRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeMutableRawBufferPointer(start: base, count: count))
    }

    /// A copy of the bytes in ordinary memory, for handing to a format encoder; prefer the closures.
    public func copyBytes() -> [UInt8] {
        withUnsafeBytes { Array($0) }
    }

    /// A new buffer holding `range` of this one.
    public func slice(_ range: Range<Int>) throws(CryptoError) -> SecureBytes {
        precondition(range.lowerBound >= 0 && range.upperBound <= count)
        let result = try SecureBytes(count: range.count)
        result.withUnsafeMutableBytes { destination in
            withUnsafeBytes { source in
                destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[range]))
            }
        }
        return result
    }
}

extension SecureBytes: Equatable {
    /// Constant-time comparison.
    public static func == (lhs: SecureBytes, rhs: SecureBytes) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return lhs.withUnsafeBytes { a in
            rhs.withUnsafeBytes { b in sodium_memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 }
        }
    }
}

extension SecureBytes: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String { "SecureBytes(\(count) bytes)" }
    public var debugDescription: String { description }
}

/// Zeroes ordinary memory that held a secret, in a way the optimiser may not remove.
public func secureZero(_ bytes: inout [UInt8]) {
    bytes.withUnsafeMutableBytes { buffer in
        if let base = buffer.baseAddress { sodium_memzero(base, buffer.count) }
    }
}

/// Zeroes a raw buffer that held secrets.
public func secureZero(_ buffer: UnsafeMutableRawBufferPointer) {
    if let base = buffer.baseAddress { sodium_memzero(base, buffer.count) }
}

/// Constant-time equality of two byte strings of equal length.
public func constantTimeEqual(_ a: some ContiguousBytesView, _ b: some ContiguousBytesView) -> Bool {
    a.withBytes { x in
        b.withBytes { y in
            x.count == y.count && (x.count == 0 || sodium_memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0)
        }
    }
}
