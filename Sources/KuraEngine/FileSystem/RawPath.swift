/// A file-system path as the kernel sees it: bytes, not necessarily UTF-8. Swift strings
/// would replace invalid bytes, so every system call on a backed-up or restored path goes
/// through this type.
public struct RawPath: Hashable, Sendable, CustomStringConvertible {
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public init(_ text: String) { bytes = Array(text.utf8) }

    /// This path with `/name` appended.
    public func appending(_ name: [UInt8]) -> RawPath {
        RawPath(bytes.last == 0x2F ? bytes + name : bytes + [0x2F] + name)
    }

    /// For messages and glob matching (invalid bytes shown as U+FFFD).
    public var description: String { String(decoding: bytes, as: UTF8.self) }

    public func withCString<R>(_ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
        try (bytes + [0]).withUnsafeBufferPointer { buffer in
            try buffer.withMemoryRebound(to: CChar.self) { try body($0.baseAddress!) }
        }
    }
}
