import Foundation
import KuraRepository
import KuraStorage

/// `erase --repository`: crypto-erase. Under the exclusive lock, appends an
/// `erase-repository` entry to the audit log, then deletes every key slot and key-epoch
/// envelope (the acting key's last), so no password opens anything and every secret that decrypts the
/// repository's objects is gone from it; then, with `deleteData`, the packs, index files,
/// generation and drill records too. Leaves a plaintext certificate (`config/erased`) signed
/// by the acting admin key, which is also returned. Storage may keep older copies of slots
/// (versioning, snapshots, backups of the disk): see docs/ERASE.md.
public struct RepositoryEraser {
    let repository: Repository

    public init(repository: Repository) { self.repository = repository }

    /// The kinds --delete-data removes. The audit log stays: it is undecryptable now, and
    /// it is the record that the repository was erased on purpose.
    public static let dataKinds: [ObjectKind] = [.data, .index, .generations, .drills]

    public func requireAllowed() throws {
        guard repository.can(.manageKeys) else {
            throw KeyError.adminOnly(role: repository.keySlot.role, action: "crypto-erase the repository")
        }
        try repository.requireCurrentEpoch()
    }

    public func erase(deleteData: Bool) async throws -> RepositoryErasure {
        try requireAllowed()
        try await repository.requireDeletes(for: "erase --repository")
        return try await repository.withLock(exclusive: true, command: "erase --repository") {
            let material = try await repository.keyMaterialObjects()
            let entry = try await repository.appendAudit("erase-repository", details: [
                "key slots": String(material.filter { $0.kind == .keys }.count),
                "epoch envelopes": String(material.filter { $0.kind == .epochs }.count),
                "delete data": deleteData ? "yes" : "no"])
            let destroyed = try await repository.destroyKeyMaterial()
            let left = try await repository.keyMaterialObjects()
            guard left.isEmpty else { throw EraseError.keySlotsRemain(left.count) }
            var deleted: [String: Int] = [:]
            if deleteData {
                for kind in Self.dataKinds { deleted[kind.rawValue] = try await repository.deleteAllObjects(kind).count }
            }
            let certificate = try repository.certify([
                "action": "erase-repository",
                "time": KuraTime.format(KuraClock.now),
                "host": entry.entry.host,
                "auditEntry": ["sequence": entry.entry.sequence, "id": entry.id.hex],
                "keySlotsDestroyed": destroyed.slots,
                "epochEnvelopesDestroyed": destroyed.envelopes,
                "dataDeleted": deleteData,
                "objectsDeleted": deleted,
            ])
            try await repository.markErased(certificate)
            return RepositoryErasure(keySlotsDestroyed: destroyed.slots, epochEnvelopesDestroyed: destroyed.envelopes,
                                     treeCachesRemoved: BackupTreeCache.removeAll(repository: repository.config.id),
                                     treeCachePrefix: String(repository.config.id.hex.prefix(16)) + "-", dataDeleted: deleted, auditEntry: entry,
                                     certificate: certificate)
        }
    }
}
