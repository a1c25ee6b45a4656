/// What to restore and where.
public struct RestoreOptions: Sendable {
    /// Files are recreated under this folder with their full original paths.
    public var target: String
    /// Restore only these paths (absolute, as in the generation) and what is under them.
    public var paths: [String] = []
    public var includes: [String] = []
    public var excludes: [String] = []
    /// Replace files that already exist in the target.
    public var overwrite = false
    /// Re-read every restored file and compare it with the generation.
    public var verify = false

    public init(target: String) { self.target = target }
}

/// What a restore did.
public struct RestoreSummary: Sendable {
    public var files = 0
    public var directories = 0
    public var otherEntries = 0
    public var bytes: Int64 = 0
    public var warnings = 0
    public var verifiedFiles = 0
}

/// Why a restore stopped.
public enum RestoreError: Error, CustomStringConvertible {
    case exists(String)
    case unsafeName(String)
    case notADirectory(String)
    case io(String)
    case verificationFailed(String)

    public var description: String {
        switch self {
        case .exists(let path): "\(path) already exists; restore into an empty folder or pass --overwrite"
        case .unsafeName(let name): "the generation holds an unsafe name \"\(name)\"; refusing to restore it"
        case .notADirectory(let path): "\(path) exists and is not a directory (or is a symlink); refusing to write through it"
        case .io(let message): message
        case .verificationFailed(let path): "\(path) does not match the generation after restore"
        }
    }
}
