import Foundation
import KuraEngine

/// The policy file: where each subject's data comes from, which repositories it goes to,
/// and the targets it is held to (RPO, RTO, retention, drills). docs/POLICY.md describes it.
public struct Policy: Sendable {
    /// The file it was read from, for messages.
    public var file: String
    /// Repositories by name.
    public var repositories: [String: RepositoryPolicy]
    /// Subjects in restore order: priority (1 first), then name.
    public var subjects: [SubjectPolicy]
    /// SHA-256 of the file's text (hex), so a change of policy can be recorded in the audit log.
    public var digest: String

    public init(file: String, repositories: [String: RepositoryPolicy], subjects: [SubjectPolicy], digest: String = "") {
        self.file = file
        self.digest = digest
        self.repositories = repositories
        self.subjects = subjects.sorted { ($0.priority, $0.name) < ($1.priority, $1.name) }
    }

    public func subject(named name: String) -> SubjectPolicy? {
        subjects.first { $0.name == name }
    }

    /// The repository a subject's backups go to first.
    public func primaryRepository(of subject: SubjectPolicy) -> RepositoryPolicy? {
        subject.repositories.first.flatMap { repositories[$0] }
    }
}

/// `[repository.NAME]`: a repository location and where its password comes from.
public struct RepositoryPolicy: Sendable, Equatable {
    public var name: String
    /// A local path or `s3://BUCKET/PREFIX`.
    public var location: String
    public var passwordFile: String?
    public var passwordCommand: String?
    /// A key file that opens the repository instead of a password (docs/KEYS.md, "Key files").
    public var keyFile: String?
    /// For S3 locations: the endpoint URL and region (else the environment's).
    public var s3Endpoint: String?
    public var s3Region: String?
    /// How often `kura run` prunes this repository after retention removed generations.
    public var pruneEvery: TimeInterval = 86_400

    public init(name: String, location: String, passwordFile: String? = nil, passwordCommand: String? = nil,
                s3Endpoint: String? = nil, s3Region: String? = nil) {
        self.name = name
        self.location = location
        self.passwordFile = passwordFile
        self.passwordCommand = passwordCommand
        self.s3Endpoint = s3Endpoint
        self.s3Region = s3Region
    }
}

/// `[subject.NAME]`: a named data set and the targets it is held to.
public struct SubjectPolicy: Sendable, Equatable {
    public var name: String
    public var paths: [String]
    /// `files-from`, `files-from-verbatim`, `files-from-raw`: files naming more paths, read
    /// at each backup.
    public var pathLists: [PathList] = []
    /// `command` (instead of paths): a dump command whose standard output is backed up as
    /// one file, `/stdinFilename`, as `kura backup --stdin-from-command` does.
    public var command: [String]?
    public var stdinFilename: String?
    public var exclude: [String] = []
    public var oneFileSystem = false
    /// `exclude-caches`, `exclude-if-present`, `exclude-larger-than`, as the backup flags.
    public var excludeCaches = false
    public var excludeIfPresent: [ExclusionMarker] = []
    public var excludeLargerThan: Int64?
    /// 1 is restored first.
    public var priority: Int = 100
    /// Recovery point objective: the newest good generation must be younger than this.
    public var rpo: TimeInterval?
    /// Recovery time objective: a full restore must take no longer than this.
    public var rto: TimeInterval?
    /// Repository names; the first is the primary, the others get copies.
    public var repositories: [String]
    public var keep = KeepRules()
    public var drill: DrillPolicy?

    public init(name: String, paths: [String], repositories: [String]) {
        self.name = name
        self.paths = paths
        self.repositories = repositories
    }
}

/// `drill = { every = "7d", sample = "10%" }`.
public struct DrillPolicy: Sendable, Equatable {
    /// How often a drill is due.
    public var every: TimeInterval
    /// The fraction (0 < sample <= 1) of the generation's bytes a drill restores.
    public var sample: Double

    public init(every: TimeInterval, sample: Double) {
        self.every = every
        self.sample = sample
    }
}
