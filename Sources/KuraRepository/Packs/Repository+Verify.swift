import KuraCrypto
import KuraStorage

extension Repository {
    /// What reading a whole pack found wrong.
    public struct PackDamage: Sendable {
        public let pack: PackID
        public let reason: String
        /// Blobs in the pack that are unreadable (all of them when the pack itself is).
        public let blobs: [BlobID]
    }

    /// Downloads a pack and checks everything about it: its name is the SHA-256 of its bytes,
    /// its key and header authenticate, the header agrees with the index, and every blob
    /// decrypts to content matching its keyed ID.
    public func verifyPack(_ id: PackID) async throws -> [PackDamage] {
        let indexed = index.packs[id] ?? []
        let everything = indexed.map(\.id)
        let bytes: [UInt8]
        do {
            bytes = try await backend.get(ObjectName(.data, id.hex))
        } catch StorageError.notFound {
            return [PackDamage(pack: id, reason: "the pack is missing", blobs: everything)]
        }
        guard PackID.hashing(bytes) == id else {
            // Still try the blobs: damage may be confined to a few of them.
            return [PackDamage(pack: id, reason: "its content does not match its name (altered or truncated)",
                               blobs: damagedBlobs(in: bytes, entries: indexed))]
        }
        let opened: PackReader.Opened
        do {
            opened = try reader().open(pack: bytes, name: id.short)
        } catch let error as RepositoryError {
            return [PackDamage(pack: id, reason: "\(error)", blobs: everything)]
        }
        var damage: [PackDamage] = []
        if Set(opened.entries) != Set(indexed) {
            damage.append(PackDamage(pack: id, reason: "its header and the index disagree", blobs: []))
        }
        let bad = damagedBlobs(in: bytes, entries: opened.entries, cipher: opened.cipher)
        if !bad.isEmpty { damage.append(PackDamage(pack: id, reason: "\(bad.count) blob(s) fail authentication", blobs: bad)) }
        return damage
    }

    private func damagedBlobs(in bytes: [UInt8], entries: [PackEntry], cipher: AEADCipher? = nil) -> [BlobID] {
        let trailerStart = bytes.count - PackFormat.trailerSize
        let cipher = cipher ?? (trailerStart >= 0
            ? (try? reader().key(trailer: Array(bytes[trailerStart...]), name: "")).flatMap { try? AEADCipher($0.0, key: $0.1) }
            : nil)
        guard let cipher else { return entries.map(\.id) }
        return entries.filter { entry in
            guard entry.offset + entry.length <= bytes.count else { return true }
            return (try? PackReader.openBlob(bytes[entry.offset..<(entry.offset + entry.length)], entry: entry,
                                             cipher: cipher, repository: config.id, idKey: blobIDKey)) == nil
        }.map(\.id)
    }
}
