/// What a `--repo` text names. Every `scheme:` form Kura does not support is refused, so a
/// mistyped or foreign URL (`rest:`, `b2:`, `sftp:` before it existed) never becomes a local
/// folder of that name; a local path holding ':' is written `./name:with:colons`.
public enum RepositoryLocation: Equatable, Sendable {
    /// A folder on this machine (also restic's `local:PATH`).
    case local(String)
    /// The text as given; `S3Location.parse` reads it.
    case s3(String)
    /// `ssh://[user@]host[:port]/path`: a `kura serve --stdio` on the far side.
    case ssh(SSHAddress)
    /// `sftp:[user@]host:/path` or `sftp://[user@]host[:port]/path`: the host's SFTP subsystem.
    case sftp(SSHAddress)

    /// The forms `init(parsing:)` accepts, for messages.
    public static let supportedForms =
        "a local path, s3://BUCKET/PREFIX, s3:https://HOST/BUCKET/PREFIX, ssh://[USER@]HOST[:PORT]/PATH, "
            + "sftp:[USER@]HOST:/PATH or sftp://[USER@]HOST[:PORT]/PATH"

    public init(parsing text: String) throws(RepositoryLocationError) {
        guard !text.isEmpty else { throw .malformed(text, reason: "it is empty") }
        guard let scheme = Self.scheme(of: text) else {
            self = .local(text)
            return
        }
        let rest = String(text.dropFirst(scheme.count + 1))
        switch scheme.lowercased() {
        case "s3": self = .s3(text)
        case "local":
            guard !rest.isEmpty else { throw .malformed(text, reason: "no path after local:") }
            self = .local(rest)
        case "ssh":
            guard rest.hasPrefix("//") else { throw .malformed(text, reason: "ssh repositories are written ssh://[USER@]HOST[:PORT]/PATH") }
            self = .ssh(try SSHAddress(url: text, afterScheme: rest.dropFirst(2)))
        case "sftp":
            if rest.hasPrefix("//") {
                self = .sftp(try SSHAddress(url: text, afterScheme: rest.dropFirst(2)))
            } else {
                self = .sftp(try SSHAddress(scpStyle: text, afterScheme: Substring(rest)))
            }
        default:
            throw .unsupportedScheme(text, scheme: scheme)
        }
    }

    /// The `scheme` of `scheme:rest`: letters, digits, `+ - .`, starting with a letter, before the
    /// first ':' and before any '/'. Paths starting with '/', '.' or '~' never have one.
    private static func scheme(of text: String) -> String? {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let candidate = text[..<colon]
        guard let first = candidate.first, first.isASCII, first.isLetter else { return nil }
        let allowed = candidate.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }
        return allowed ? String(candidate) : nil
    }
}

/// A repository that `RepositoryLocation` cannot take.
public enum RepositoryLocationError: Error, Equatable, Sendable, CustomStringConvertible {
    case unsupportedScheme(String, scheme: String)
    case malformed(String, reason: String)

    public var description: String {
        switch self {
        case .unsupportedScheme(let text, let scheme):
            "\(text): Kura does not support \(scheme): repositories; use \(RepositoryLocation.supportedForms) "
                + "(a local path holding ':' is written ./\(text))"
        case .malformed(let text, let reason):
            "\(text) is not a repository location (\(reason)); use \(RepositoryLocation.supportedForms)"
        }
    }
}
