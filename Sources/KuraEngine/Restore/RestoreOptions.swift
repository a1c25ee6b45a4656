import KuraRepository

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
    /// Go on past a file whose data is damaged or missing (and a directory whose listing is):
    /// the file is left empty, its path and the reason collected in `RestoreSummary.damaged`.
    /// Off for `kura restore`, which stops at the first damage; drills use it to name every
    /// damaged file.
    public var collectDamage = false
    /// Which regular files get their contents, by generation path; the others become empty
    /// placeholders carrying the full metadata (a drill's sample). Nil: every file.
    public var contentFilter: (@Sendable (_ path: String, _ node: Node) -> Bool)?

    public init(target: String) { self.target = target }
}

/// A file or directory a restore could not recreate because its data is damaged.
public struct DamagedEntry: Sendable, Equatable {
    /// The path in the generation.
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
}

/// How long one file's contents took to restore, for extrapolating restore times.
public struct FileTiming: Sendable {
    public var bytes: Int64
    public var seconds: Double

    public init(bytes: Int64, seconds: Double) {
        self.bytes = bytes
        self.seconds = seconds
    }
}

/// What a restore did.
public struct RestoreSummary: Sendable {
    public var files = 0
    public var directories = 0
    public var otherEntries = 0
    public var bytes: Int64 = 0
    public var warnings = 0
    public var verifiedFiles = 0
    /// Files restored without contents (see `RestoreOptions.contentFilter`).
    public var placeholders = 0
    /// Entries kept as a stopped run of the same restore had restored them (counted in
    /// `files` and `otherEntries` too).
    public var alreadyRestored = 0
    /// With `collectDamage`: what could not be restored, in the order met.
    public var damaged: [DamagedEntry] = []
    /// Wall time spent writing file contents (fetching, decrypting, writing, their metadata).
    public var contentSeconds: Double = 0
    /// Per file with contents: its size and the time its restore took, including its share
    /// of batched small-file reads.
    public var fileTimings: [FileTiming] = []
}

/// Why a restore stopped.
public enum RestoreError: Error, CustomStringConvertible {
    case exists(String)
    case unsafeName(String)
    case notADirectory(String)
    case io(String)
    case verificationFailed(String)
    /// A path asked for holds nothing in the generation (checked before anything is written).
    case noSuchPath(String, generation: String)
    /// The restore stopped at `file` (nil: not at one file): every file at its final name
    /// is complete, the rest is absent, and a rerun of the same restore finishes it.
    case stopped(file: String?, restoredFiles: Int, cause: any Error)

    public var description: String {
        switch self {
        case .exists(let path): "\(path) already exists; restore into an empty folder or pass --overwrite"
        case .unsafeName(let name): "the generation holds an unsafe name \"\(name)\"; refusing to restore it"
        case .notADirectory(let path): "\(path) exists and is not a directory (or is a symlink); refusing to write through it"
        case .io(let message): message
        case .verificationFailed(let path): "\(path) does not match the generation after restore"
        case .noSuchPath(let path, let generation):
            "\(generation) holds no \(path); nothing was restored (kura ls \(generation) lists what it holds)"
        case .stopped(let file, let restored, let cause):
            (file.map { "cannot restore \($0): " } ?? "restore stopped: ") + "\(cause); \(restored) file(s) were restored "
                + "completely, the others are not (none is left partly written); run the same restore again to finish it"
        }
    }
}
