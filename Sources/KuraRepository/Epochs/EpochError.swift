/// Refusals about key epochs (rotation and re-encryption), written for the admin.
public enum EpochError: Error, Equatable, Sendable {
    /// The repository's keys were rotated and this key holds no share of the newest epoch.
    case notInCurrentEpoch(key: KeyID, held: Int, current: Int)
    /// The audit log records a rotation to a newer epoch than any envelope this key can find.
    case rolledBack(held: Int, logged: Int)
    /// Version 1 slots share one signing key, so a new epoch cannot be sealed to one of them alone.
    case versionOneSlot(KeyID)
}

extension EpochError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .notInCurrentEpoch(let key, let held, let current):
            "key \(key.short) holds key epoch \(held) but the repository's keys were rotated to epoch \(current); "
                + "it may read but not write. An admin can run `kura key rotate` again, or add a new key for this host"
        case .rolledBack(let held, let logged):
            "the audit log records a rotation to key epoch \(logged) but this key finds only epoch \(held): "
                + "the newest epoch's envelopes are missing from storage (deleted or rolled back); nothing was written. "
                + "Check `kura audit verify` and who can write to the storage, then run `kura key rotate` with an admin key "
                + "(what was written under the lost epoch cannot be read any more)"
        case .versionOneSlot(let key):
            "key \(key.short) is a version 1 slot (made before roles), which shares its signing key with every such slot; "
                + "add a replacement with `kura key add` and remove it with `kura key remove \(key.short)`, then rotate"
        }
    }
}
