internal import COpenSSL

/// HMAC-SHA-256 (RFC 2104, FIPS 198-1) through OpenSSL.
public enum HMACSHA256 {
    public static let macSize = 32

    /// The MAC of `message` under `key` (any length; long keys are hashed as RFC 2104 says).
    public static func authenticate(_ message: some ContiguousBytesView, key: some ContiguousBytesView) -> [UInt8] {
        var mac = [UInt8](repeating: 0, count: macSize)
        var length: UInt32 = 0
        key.withBytes { keyBuffer in
            message.withBytes { messageBuffer in
                mac.withUnsafeMutableBytes { out in
                    let result = HMAC(EVP_sha256(), keyBuffer.nonNullBase, Int32(keyBuffer.count),
                                      messageBuffer.nonNullBase, messageBuffer.count,
                                      out.nonNullBase, &length)
                    precondition(result != nil && length == 32, "OpenSSL HMAC-SHA-256 failed")
                }
            }
        }
        return mac
    }

    /// Whether `mac` is the MAC of `message` under `key`, compared in constant time.
    public static func verify(_ mac: some ContiguousBytesView, of message: some ContiguousBytesView,
                              key: some ContiguousBytesView) -> Bool {
        constantTimeEqual(authenticate(message, key: key), mac)
    }
}
