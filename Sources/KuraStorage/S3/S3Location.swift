import Foundation

/// Where an S3 repository lives: endpoint, bucket, key prefix, region and addressing style.
///
/// Accepted forms: `s3://BUCKET/PREFIX` (endpoint from `--s3-endpoint`, `AWS_ENDPOINT_URL_S3`,
/// `AWS_ENDPOINT_URL`, else AWS itself) and restic's `s3:https://HOST[:PORT]/BUCKET/PREFIX`
/// (also `s3:http://…`, and `s3:HOST/…` for HTTPS).
public struct S3Location: Sendable, Equatable, CustomStringConvertible {
    public var scheme: String
    public var host: String
    public var port: Int?
    public var bucket: String
    /// The key prefix without leading or trailing slash; empty for the bucket's root.
    public var prefix: String
    public var region: String
    /// Path-style (`https://host/bucket/key`) rather than virtual-hosted (`https://bucket.host/key`).
    public var pathStyle: Bool

    public enum ParseError: Error, CustomStringConvertible {
        case malformed(String, reason: String)
        case plainHTTP(String)

        public var description: String {
            switch self {
            case .malformed(let location, let reason):
                "\(location) is not an S3 location (\(reason)); use s3://BUCKET/PREFIX or s3:https://HOST[:PORT]/BUCKET/PREFIX"
            case .plainHTTP(let endpoint):
                "refusing plain HTTP to \(endpoint), which is not a loopback address; use https, or --s3-allow-http if the network is trusted"
            }
        }
    }

    /// Whether `location` names S3 rather than a local path.
    public static func isS3(_ location: String) -> Bool { location.hasPrefix("s3:") }

    /// - Parameters:
    ///   - endpoint: `--s3-endpoint`, if given; it wins over the environment.
    ///   - allowHTTP: permit plain HTTP to a non-loopback endpoint.
    public static func parse(_ location: String, endpoint: String? = nil, region: String? = nil, allowHTTP: Bool = false,
                             environment: [String: String] = ProcessInfo.processInfo.environment) throws -> S3Location {
        var endpointURL: String?
        var path: Substring
        if location.hasPrefix("s3://") {
            path = location.dropFirst("s3://".count)
            endpointURL = endpoint ?? environment["AWS_ENDPOINT_URL_S3"].nonEmpty ?? environment["AWS_ENDPOINT_URL"].nonEmpty
        } else if location.hasPrefix("s3:") {
            // restic's forms: s3:https://HOST/BUCKET, s3:http://HOST/BUCKET, s3:HOST/BUCKET (HTTPS).
            var url = location.dropFirst("s3:".count)
            if !url.hasPrefix("http://"), !url.hasPrefix("https://") { url = Substring("https://" + url) }
            let schemeEnd = url.range(of: "://")!.upperBound
            let hostEnd = url[schemeEnd...].firstIndex(of: "/") ?? url.endIndex
            endpointURL = String(url[..<hostEnd])
            path = url[hostEnd...].drop { $0 == "/" }
        } else {
            throw ParseError.malformed(location, reason: "it does not start with s3:")
        }
        let parts = path.split(separator: "/", maxSplits: 1)
        guard let bucket = parts.first.map(String.init), Self.isValidBucket(bucket) else {
            throw ParseError.malformed(location, reason: "no valid bucket name")
        }
        let prefix = parts.count > 1 ? String(parts[1]).trimmingCharacters(in: CharacterSet(charactersIn: "/")) : ""
        let region = region ?? environment["AWS_REGION"].nonEmpty ?? environment["AWS_DEFAULT_REGION"].nonEmpty ?? "us-east-1"

        guard let endpointURL else {
            return S3Location(scheme: "https", host: "s3.\(region).amazonaws.com", port: nil, bucket: bucket, prefix: prefix,
                              region: region, pathStyle: bucket.contains("."))
        }
        guard let components = URLComponents(string: endpointURL), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty else {
            throw ParseError.malformed(endpointURL, reason: "the endpoint is not an http(s) URL")
        }
        let result = S3Location(scheme: scheme, host: host, port: components.port, bucket: bucket, prefix: prefix,
                                region: region,
                                pathStyle: environment["KURA_S3_ADDRESSING"] != "virtual")
        if scheme == "http", !allowHTTP, !result.isLoopback { throw ParseError.plainHTTP(endpointURL) }
        return result
    }

    var isLoopback: Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    /// The Host header: the host, and the port unless it is the scheme's default.
    var hostHeader: String {
        let requestHost = pathStyle ? host : "\(bucket).\(host)"
        guard let port, port != (scheme == "https" ? 443 : 80) else { return requestHost }
        return "\(requestHost):\(port)"
    }

    /// The URL path of an object key (or of the bucket, for key "").
    func path(forKey key: String) -> String {
        let encodedKey = key.split(separator: "/", omittingEmptySubsequences: false).map { S3Signer.uriEncode(String($0)) }
            .joined(separator: "/")
        return pathStyle ? "/\(bucket)" + (key.isEmpty ? "" : "/\(encodedKey)") : "/\(encodedKey)"
    }

    /// The key of `name` under the prefix, laid out as on disk (data/xx/NAME).
    func key(for name: ObjectName) -> String {
        let relative = name.kind == .data
            ? "data/\(name.name.prefix(2))/\(name.name)" : "\(name.kind.rawValue)/\(name.name)"
        return prefix.isEmpty ? relative : "\(prefix)/\(relative)"
    }

    func keyPrefix(for kind: ObjectKind) -> String {
        prefix.isEmpty ? "\(kind.rawValue)/" : "\(prefix)/\(kind.rawValue)/"
    }

    public var description: String {
        "s3:\(scheme)://\(host)\(port.map { ":\($0)" } ?? "")/\(bucket)\(prefix.isEmpty ? "" : "/" + prefix)"
    }

    /// S3's bucket naming rules (3–63 lowercase letters, digits, dots and hyphens).
    static func isValidBucket(_ name: String) -> Bool {
        (3...63).contains(name.utf8.count) && name.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2E || byte == 0x2D
        } && name.first != "-" && name.first != "."
    }
}

extension Optional where Wrapped == String {
    var nonEmpty: String? { self.flatMap { $0.isEmpty ? nil : $0 } }
}
