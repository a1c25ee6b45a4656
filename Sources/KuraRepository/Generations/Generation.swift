import Foundation

/// One snapshot of one subject: what was backed up, when, by whom, and the root of its tree.
/// Signed (Ed25519) by the key that wrote it.
public struct Generation: Codable, Sendable {
    public var version: Int = 1
    public var subject: String
    public var number: Int
    public var time: Date
    public var host: String
    public var paths: [String]
    public var tags: [String]
    public var tree: BlobID
    public var parent: GenerationID?
    public var summary: Summary
    public var writer: KeyID
    /// The audit log's newest entry when the generation was written, so a log rolled back
    /// or cut short afterwards is noticed (absent in records written before the audit log).
    public var auditHead: AuditHead?
    /// Base64 Ed25519 signature over the record's canonical JSON with this field empty.
    public var signature: String = ""

    public struct Summary: Codable, Sendable {
        public var files: Int
        public var directories: Int
        public var otherEntries: Int
        /// Total size of the files' contents.
        public var bytes: Int64
        /// Bytes read from disk (unchanged files are not read again).
        public var bytesRead: Int64
        /// Blobs and their stored bytes that this backup added to the repository.
        public var newBlobs: Int
        public var storedBytes: Int64
        public var warnings: Int
        public var seconds: Double

        public init(files: Int = 0, directories: Int = 0, otherEntries: Int = 0, bytes: Int64 = 0, bytesRead: Int64 = 0,
                    newBlobs: Int = 0, storedBytes: Int64 = 0, warnings: Int = 0, seconds: Double = 0) {
            self.files = files
            self.directories = directories
            self.otherEntries = otherEntries
            self.bytes = bytes
            self.bytesRead = bytesRead
            self.newBlobs = newBlobs
            self.storedBytes = storedBytes
            self.warnings = warnings
            self.seconds = seconds
        }
    }

    public init(subject: String, number: Int, time: Date, host: String, paths: [String], tags: [String],
                tree: BlobID, parent: GenerationID?, summary: Summary, writer: KeyID) {
        self.subject = subject
        self.number = number
        self.time = time
        self.host = host
        self.paths = paths
        self.tags = tags
        self.tree = tree
        self.parent = parent
        self.summary = summary
        self.writer = writer
    }
}

/// A generation with its ID, as listed from the repository.
public struct StoredGeneration: Sendable {
    public let id: GenerationID
    public let generation: Generation

    public init(id: GenerationID, generation: Generation) {
        self.id = id
        self.generation = generation
    }

    /// `SUBJECT@N`.
    public var name: String { "\(generation.subject)@\(generation.number)" }
}
