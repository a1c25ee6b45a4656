import KuraRepository

/// What `erase --repository` did.
public struct RepositoryErasure: Sendable {
    public let keySlotsDestroyed: Int
    /// Key-epoch envelopes (`epochs/`) deleted.
    public let epochEnvelopesDestroyed: Int
    /// Tree cache files of the repository removed on this host.
    public let treeCachesRemoved: Int
    /// The prefix of the repository's tree cache files (under `~/.cache/kura/trees/`), to
    /// delete on backup hosts.
    public let treeCachePrefix: String
    /// Objects deleted with --delete-data, by kind (empty without it).
    public let dataDeleted: [String: Int]
    public let auditEntry: StoredAuditEntry
    public let certificate: ErasureCertificate
}
