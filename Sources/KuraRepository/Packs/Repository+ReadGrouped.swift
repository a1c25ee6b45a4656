import KuraStorage

extension Repository {
    /// Reads many blobs with few requests: the wanted blobs of each pack come from one
    /// streamed read covering them (see `readBlobs(_:of:deliver:)`). Each blob is decrypted
    /// and verified as in `readBlob`. For small files, where one request per blob would cost
    /// more than the data (on S3 above all).
    public func readBlobsGrouped(_ ids: Set<BlobID>) async throws -> [BlobID: [UInt8]] {
        var byPack: [PackID: [PackEntry]] = [:]
        for id in ids {
            guard let location = index.location(of: id) else { throw RepositoryError.blobMissing(id) }
            byPack[location.pack, default: []].append(location.entry)
        }
        return try await withThrowingTaskGroup(of: [BlobID: [UInt8]].self) { group in
            var pending = byPack.makeIterator()
            func startNext() {
                guard let (pack, entries) = pending.next() else { return }
                group.addTask {
                    var blobs: [BlobID: [UInt8]] = [:]
                    try await self.readBlobs(entries.sorted { $0.offset < $1.offset }, of: pack) { blobs[$0.id] = $1 }
                    return blobs
                }
            }
            for _ in 0..<4 { startNext() }
            var result: [BlobID: [UInt8]] = [:]
            while let blobs = try await group.next() {
                result.merge(blobs) { first, _ in first }
                startNext()
            }
            return result
        }
    }

    /// Reads blobs of one pack, `entries` in ascending pack order, with one streamed request:
    /// each blob is decrypted, verified and handed to `deliver` as soon as its bytes have
    /// arrived, so a long run of blobs is never held in memory at once. A missing or short
    /// pack, or a blob that fails authentication, is reported as damage.
    public func readBlobs(_ entries: [PackEntry], of pack: PackID,
                          deliver: (PackEntry, [UInt8]) async throws -> Void) async throws {
        guard !entries.isEmpty else { return }
        let name = try ObjectName(.data, pack.hex)
        let cipher = try await cipher(for: pack, name: name)
        try await streamSealedBlobs(entries, of: pack, name: name) { entry, sealed in
            try await deliver(entry, try openBlob(sealed, entry: entry, pack: pack, cipher: cipher))
        }
    }

    /// The sealed bytes of `entries` (ascending) of one pack, each handed on as it arrives; a
    /// missing or short pack is reported as damage.
    func streamSealedBlobs(_ entries: [PackEntry], of pack: PackID, name: ObjectName,
                           deliver: (PackEntry, [UInt8]) async throws -> Void) async throws {
        do {
            try await backend.get(name, ranges: entries.map { $0.offset..<($0.offset + $0.length) }) { position, sealed in
                try await deliver(entries[position], sealed)
            }
        } catch StorageError.shortRead {
            throw RepositoryError.damaged(object: "pack \(pack.short)", reason: "truncated")
        } catch StorageError.notFound {
            throw RepositoryError.damaged(object: "pack \(pack.short)", reason: "missing")
        }
    }
}
