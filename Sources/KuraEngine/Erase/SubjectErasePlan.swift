import KuraRepository

/// What `erase --subject` found before deleting anything: the generations and drill records
/// of the subject, and which blobs only it uses.
public struct SubjectErasePlan: Sendable {
    public let subject: String
    public let generations: [StoredGeneration]
    public let drills: [StoredDrill]
    /// Blobs (trees and contents) that only this subject's generations use.
    public let uniqueBlobs: Set<BlobID>
    /// Stored bytes of those blobs.
    public let uniqueBytes: Int64
    /// Blobs the subject shares with generations of other subjects: they stay.
    public let sharedBlobs: Int
}
