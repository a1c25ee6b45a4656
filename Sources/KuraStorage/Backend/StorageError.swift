/// Failures of a storage backend. Each says which object or location failed and whether
/// retrying can help, so the layers above can decide between retrying and giving up.
public enum StorageError: Error, Equatable, Sendable {
    /// No repository storage at this location.
    case locationMissing(String)
    /// `create` found other files where a repository should go (never mixed into a folder).
    case locationNotEmpty(String)
    case notFound(ObjectName)
    case invalidName(String)
    /// The object's stored bytes are shorter than asked for (a truncated object).
    case shortRead(ObjectName, expected: Int, got: Int)
    case permissionDenied(String)
    /// The server refused the credentials or the operation (what it said, and whose key).
    case accessDenied(String, reason: String)
    case noSpace(String)
    /// An I/O failure with the operating system's (or server's) own words.
    case ioFailure(String, reason: String, retryable: Bool)
    /// `kura serve --append-only` refused to `action` ("delete", "replace") an object: the
    /// ssh key in use may only add (docs/SERVE.md).
    case appendOnly(ObjectName, location: String, action: String)
    /// A command that deletes (`forget`, `prune`, `erase`) was refused up front, before
    /// writing anything, because the storage is append-only for this client.
    case appendOnlyRefusesCommand(location: String, command: String)
    /// `kura serve --restrict-to` does not allow the repository path the client named.
    case pathNotAllowed(String, allowed: [String])

    /// Whether the same call may succeed if repeated later.
    public var isRetryable: Bool {
        switch self {
        case .ioFailure(_, _, let retryable): retryable
        default: false
        }
    }
}

extension StorageError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .locationMissing(let location): "no repository storage at \(location)"
        case .locationNotEmpty(let location):
            "\(location) is not empty and is not a Kura repository; name a new or empty folder"
        case .notFound(let name): "object \(name) does not exist"
        case .invalidName(let name): "\"\(name)\" is not a valid object name"
        case .shortRead(let name, let expected, let got): "object \(name) is truncated (read \(got) of \(expected) bytes)"
        case .permissionDenied(let path): "permission denied on \(path)"
        case .accessDenied(let location, let reason): "\(location) refused access (\(reason)); check the credentials and the bucket policy"
        case .noSpace(let path): "no space left on the device holding \(path)"
        case .ioFailure(let path, let reason, _): "I/O error on \(path): \(reason)"
        case .appendOnly(let name, let location, let action):
            "\(location) is append-only for this ssh key (kura serve --append-only) and refused to \(action) \(name); "
                + "run forget, prune and other deletes with the admin's key (docs/SERVE.md)"
        case .appendOnlyRefusesCommand(let location, let command):
            "\(location) is append-only for this ssh key (kura serve --append-only), so kura \(command) cannot delete "
                + "anything there; nothing was changed. Run it with the admin's key (docs/SERVE.md)"
        case .pathNotAllowed(let location, let allowed):
            "\(location): the server's `kura serve --restrict-to` allows only "
                + allowed.joined(separator: ", ") + "; name a repository under one of them"
        }
    }
}
