import Foundation

/// An access key for S3, and where it came from (named in error messages, never the secret).
public struct S3Credentials: Sendable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?
    /// "the environment (AWS_ACCESS_KEY_ID)" or "profile backup in ~/.aws/credentials".
    public var source: String

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, source: String) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.source = source
    }

    public enum LookupError: Error, CustomStringConvertible {
        case none(profile: String, file: String)
        case profileMissing(String, file: String)

        public var description: String {
            switch self {
            case .none(let profile, let file):
                "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or add profile \(profile) to \(file)"
            case .profileMissing(let profile, let file):
                "profile \(profile) (AWS_PROFILE) is not in \(file), or lacks aws_access_key_id / aws_secret_access_key"
            }
        }
    }

    /// The AWS SDKs' order: the environment, then the shared credentials file's profile
    /// (`AWS_PROFILE`, else "default"; file from `AWS_SHARED_CREDENTIALS_FILE`, else ~/.aws/credentials).
    public static func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> S3Credentials {
        if let key = environment["AWS_ACCESS_KEY_ID"].nonEmpty, let secret = environment["AWS_SECRET_ACCESS_KEY"].nonEmpty {
            return S3Credentials(accessKeyID: key, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"].nonEmpty,
                                 source: "the environment (AWS_ACCESS_KEY_ID)")
        }
        let named = environment["AWS_PROFILE"].nonEmpty
        let profile = named ?? "default"
        let file = environment["AWS_SHARED_CREDENTIALS_FILE"].nonEmpty
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.aws/credentials"
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw LookupError.none(profile: profile, file: file)
        }
        let values = Self.profile(profile, in: text)
        guard let key = values["aws_access_key_id"], let secret = values["aws_secret_access_key"] else {
            if named != nil { throw LookupError.profileMissing(profile, file: file) }
            throw LookupError.none(profile: profile, file: file)
        }
        return S3Credentials(accessKeyID: key, secretAccessKey: secret, sessionToken: values["aws_session_token"],
                             source: "profile \(profile) in \(file)")
    }

    /// The `key = value` lines of `[profile]` in an INI-style credentials file.
    static func profile(_ name: String, in text: String) -> [String: String] {
        var values: [String: String] = [:]
        var inside = false
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                inside = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces) == name
                continue
            }
            guard inside, let equals = line.firstIndex(of: "=") else { continue }
            values[line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()] =
                line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        }
        return values
    }
}
