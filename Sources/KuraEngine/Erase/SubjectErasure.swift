import KuraRepository

/// What `erase --subject` did, with the audit entry and the signed certificate.
public struct SubjectErasure: Sendable {
    public let plan: SubjectErasePlan
    public let prune: PruneReport
    /// Unique blobs still in the index afterwards (0 unless a backup of the same content ran
    /// meanwhile and uses them again).
    public let blobsStillStored: Int
    /// The local tree cache file of the subject that was removed, if there was one.
    public let treeCacheRemoved: String?
    /// The file name a backup host's tree cache of the subject has (under
    /// `~/.cache/kura/trees/`), to delete on other hosts.
    public let treeCacheName: String
    public let auditEntry: StoredAuditEntry
    public let certificate: ErasureCertificate
}
