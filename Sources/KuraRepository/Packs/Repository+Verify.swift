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

    /// Reads a pack and checks everything about it: its name is the SHA-256 of its bytes,
    /// its key and header authenticate, the header agrees with the index, and every blob
    /// decrypts to content matching its keyed ID. A sound pack streams through (header and
    /// trailer first, then every byte in order, hashed and cut into blobs as it arrives), so
    /// it is never held whole; a pack whose end does not open is read whole to say what is wrong.
    public func verifyPack(_ id: PackID) async throws -> [PackDamage] {
        let name = try ObjectName(.data, id.hex)
        guard let size = try await backend.stat(name)?.size else {
            return [PackDamage(pack: id, reason: "the pack is missing", blobs: (index.packs[id] ?? []).map(\.id))]
        }
        if let damage = try await verifyPackStreaming(id, name: name, size: size) { return damage }
        return try await verifyWholePack(id)
    }

    /// nil when the pack's header and trailer do not open, or it is shorter than they say.
    private func verifyPackStreaming(_ id: PackID, name: ObjectName, size: Int) async throws -> [PackDamage]? {
        let reader = try reader()
        // One read of the pack's end usually holds header and trailer; a second only for
        // headers longer than that (packs of thousands of tiny blobs).
        guard size >= PackFormat.trailerSize,
              var tail = try? await backend.get(name, offset: size - min(size, 64 * 1024), length: min(size, 64 * 1024)),
              let headerLength = PackReader.headerLength(trailer: tail), headerLength <= size - PackFormat.trailerSize
        else { return nil }
        if headerLength + PackFormat.trailerSize > tail.count {
            guard let longer = try? await backend.get(name, offset: size - PackFormat.trailerSize - headerLength,
                                                      length: headerLength + PackFormat.trailerSize) else { return nil }
            tail = longer
        }
        guard let opened = try? reader.open(tail: tail, packSize: size, name: id.short) else { return nil }
        // Every byte of the pack, cut at blob boundaries so each blob is checked as it arrives.
        var ranges: [Range<Int>] = []
        var blobAt: [Int: PackEntry] = [:]
        for entry in opened.entries.sorted(by: { $0.offset < $1.offset }) {
            let start = ranges.last?.upperBound ?? 0
            guard entry.offset >= start else { return nil }
            if entry.offset > start { ranges.append(start..<entry.offset) }
            blobAt[ranges.count] = entry
            ranges.append(entry.offset..<(entry.offset + entry.length))
        }
        let blobsEnd = ranges.last?.upperBound ?? 0
        guard blobsEnd <= size else { return nil }
        if blobsEnd < size { ranges.append(blobsEnd..<size) }
        var hash = SHA256()
        var bad: [BlobID] = []
        do {
            try await backend.get(name, ranges: ranges) { position, bytes in
                hash.update(bytes)
                guard let entry = blobAt[position] else { return }
                if (try? PackReader.openBlob(bytes, entry: entry, cipher: opened.cipher, repository: config.id, idKey: blobIDKey)) == nil {
                    bad.append(entry.id)
                }
            }
        } catch StorageError.shortRead {
            return nil
        }
        guard PackID(bytes: hash.finalize()) == id else {
            return [PackDamage(pack: id, reason: "its content does not match its name (altered or truncated)", blobs: bad)]
        }
        var damage: [PackDamage] = []
        if Set(opened.entries) != Set(index.packs[id] ?? []) {
            damage.append(PackDamage(pack: id, reason: "its header and the index disagree", blobs: []))
        }
        if !bad.isEmpty { damage.append(PackDamage(pack: id, reason: "\(bad.count) blob(s) fail authentication", blobs: bad)) }
        return damage
    }

    /// The whole pack in memory: for packs whose end is damaged, to find what still reads.
    private func verifyWholePack(_ id: PackID) async throws -> [PackDamage] {
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
