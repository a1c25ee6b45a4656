internal import COpenSSL

/// The newest error on OpenSSL's thread-local queue, for `libraryFailure` messages; it never
/// contains key material.
func openSSLError(_ operation: String) -> CryptoError {
    let code = ERR_get_error()
    ERR_clear_error()
    guard code != 0 else { return .libraryFailure(operation) }
    var buffer = [CChar](repeating: 0, count: 256)
    ERR_error_string_n(code, &buffer, buffer.count)
    let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return .libraryFailure("\(operation): \(text)")
}

/// Base address of a buffer, or a valid dummy for empty buffers (OpenSSL rejects NULL inputs
/// in some functions even when the length is zero).
nonisolated(unsafe) private let emptyByte = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)

extension UnsafeRawBufferPointer {
    var nonNullBase: UnsafePointer<UInt8> {
        baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) } ?? UnsafePointer(emptyByte)
    }
}

extension UnsafeMutableRawBufferPointer {
    var nonNullBase: UnsafeMutablePointer<UInt8> {
        baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) } ?? emptyByte
    }
}
