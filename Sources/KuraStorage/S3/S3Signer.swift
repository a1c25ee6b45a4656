import Foundation

/// SHA-256 and HMAC-SHA-256, supplied from above: Storage holds no cryptography of its own
/// (DESIGN.md), so the CLI passes in Kura's.
public struct S3Hashing: Sendable {
    public let sha256: @Sendable ([UInt8]) -> [UInt8]
    public let hmacSHA256: @Sendable (_ key: [UInt8], _ message: [UInt8]) -> [UInt8]

    public init(sha256: @escaping @Sendable ([UInt8]) -> [UInt8],
                hmacSHA256: @escaping @Sendable (_ key: [UInt8], _ message: [UInt8]) -> [UInt8]) {
        self.sha256 = sha256
        self.hmacSHA256 = hmacSHA256
    }
}

/// AWS Signature Version 4 for S3 requests, header-based (docs.aws.amazon.com, "Signature
/// Calculations for the Authorization Header").
public struct S3Signer: Sendable {
    public let credentials: S3Credentials
    public let region: String
    public let hashing: S3Hashing

    public init(credentials: S3Credentials, region: String, hashing: S3Hashing) {
        self.credentials = credentials
        self.region = region
        self.hashing = hashing
    }

    /// The headers to add to a request: x-amz-date, x-amz-content-sha256, the session token
    /// if any, and Authorization.
    /// - Parameters:
    ///   - path: the URL path, already URI-encoded (S3Location.path(forKey:)).
    ///   - query: unencoded name/value pairs.
    ///   - headers: headers to sign besides those added here; must include `host`.
    ///   - payloadHash: hex SHA-256 of the body, or "UNSIGNED-PAYLOAD".
    public func sign(method: String, path: String, query: [(String, String)], headers: [String: String],
                     payloadHash: String, date: Date = Date()) -> [String: String] {
        let amzDate = Self.timestamp(date)
        let day = String(amzDate.prefix(8))
        var signed: [String: String] = [:]
        for (name, value) in headers { signed[name.lowercased()] = value }
        signed["x-amz-date"] = amzDate
        signed["x-amz-content-sha256"] = payloadHash
        if let token = credentials.sessionToken { signed["x-amz-security-token"] = token }

        let names = signed.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(Self.trimmed(signed[$0]!))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let encoded: [(name: String, value: String)] = query.map { (Self.uriEncode($0.0), Self.uriEncode($0.1)) }
        let sortedQuery = encoded.sorted { left, right in
            left.name == right.name ? left.value < right.value : left.name < right.name
        }
        let canonicalQuery = sortedQuery.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
        let canonicalRequest = [method, path, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash]
            .joined(separator: "\n")
        let scope = "\(day)/\(region)/s3/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, Self.hex(hashing.sha256(Array(canonicalRequest.utf8)))]
            .joined(separator: "\n")
        var key = Array("AWS4\(credentials.secretAccessKey)".utf8)
        for part in [day, region, "s3", "aws4_request"] { key = hashing.hmacSHA256(key, Array(part.utf8)) }
        let signature = Self.hex(hashing.hmacSHA256(key, Array(stringToSign.utf8)))

        var result = signed
        result.removeValue(forKey: "host")
        for name in headers.keys { result.removeValue(forKey: name.lowercased()) }
        result["authorization"] = "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), "
            + "SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return result
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters, as SigV4 wants.
    public static func uriEncode(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x2D, 0x2E, 0x5F, 0x7E:
                result.unicodeScalars.append(UnicodeScalar(byte))
            default:
                result += String(format: "%%%02X", byte)
            }
        }
        return result
    }

    /// SHA-256 of an empty body, the payload hash of every GET.
    static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// Header values with leading and trailing space removed and inner runs of spaces folded.
    static func trimmed(_ value: String) -> String {
        value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }
}
