import KuraStorage

/// Failures of the repository layer, written for the admin: what failed, on which object,
/// and what to do next.
public enum RepositoryError: Error, Equatable, Sendable {
    case noRepository(String)
    case alreadyExists(String)
    case unsupportedVersion(Int)
    case wrongPassword
    case noKeySlots(String)
    /// Every key slot was destroyed by `kura erase --repository` (at `time`).
    case cryptoErased(String, time: String)
    /// An object failed authentication or does not parse: it was altered, truncated or
    /// belongs to another repository.
    case damaged(object: String, reason: String)
    case blobMissing(BlobID)
    case generationNotFound(String)
    case ambiguousGeneration(String)
    case storage(StorageError)
    /// A live lock conflicts with the one asked for.
    case locked(holder: String, exclusive: Bool)
    /// A lock object cannot be read (damaged, or from another repository) and is not yet old
    /// enough to be stale.
    case lockUnreadable(String)
    /// Appending to the audit log lost the race to other writers too many times.
    case auditContention
    /// `config/config` holds values kura cannot work with (altered).
    case badConfig(String)
    /// `config/config` is not the file whose SHA-256 the signed `init` audit entry records.
    case configAltered
    /// The audit log's newest object cannot be read, so no entry can follow it.
    case auditHeadUnreadable(object: String, reason: String)
}

extension RepositoryError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .noRepository(let location):
            "no Kura repository at \(location); create one with `kura init --repo \(location)` or name another with --repo"
        case .alreadyExists(let location): "a repository already exists at \(location)"
        case .unsupportedVersion(let version): "repository format version \(version) is newer than this kura understands; upgrade kura"
        case .wrongPassword: "the password does not open any key of this repository"
        case .noKeySlots(let location):
            "the repository at \(location) has no key slot, so nothing in it can be decrypted (crypto-erased, or damaged)"
        case .cryptoErased(let location, let time):
            "the repository at \(location) has been crypto-erased (\(time)): no key slot remains and nothing in it can be decrypted"
        case .damaged(let object, let reason): "\(object) is damaged (\(reason)); run `kura check` to see what it affects"
        case .blobMissing(let id): "blob \(id.short) is not in the index; run `kura check`"
        case .generationNotFound(let name): "no generation \(name); list them with `kura generations`"
        case .ambiguousGeneration(let name): "\(name) names more than one generation; use a longer ID"
        case .storage(let error): "\(error)"
        case .locked(let holder, let exclusive):
            "the repository is locked\(exclusive ? " exclusively" : "") by \(holder); wait for it to finish, "
                + "or, if that process is gone, run `kura unlock`"
        case .lockUnreadable(let name):
            "lock \(name) cannot be read; it is cleared once it has not been written for 30 minutes, or now by "
                + "`kura unlock --remove-all` if no other kura is running on this repository"
        case .auditContention:
            "could not append to the audit log: other kura processes kept writing at the same moment; try again"
        case .badConfig(let reason):
            "config/config is damaged (\(reason)); it was altered: restore it from a copy of the repository"
        case .configAltered:
            "config/config is not the file this repository was created with (the signed init entry of the audit log "
                + "records another SHA-256); it was altered: restore it from a copy of the repository"
        case .auditHeadUnreadable(let object, let reason):
            "the audit log's newest object audit/\(object) cannot be read (\(reason)), so nothing can be logged after it; "
                + "restore that object from a copy of the repository, or, if there is none, move it out of audit/ "
                + "(keep it as evidence) and the next entry takes its number"
        }
    }
}
