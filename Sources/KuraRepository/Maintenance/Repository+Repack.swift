import KuraStorage

/// A pack written by `repack`, with its table of contents.
public struct RepackedPack: Sendable {
    public let id: PackID
    public let entries: [PackEntry]
    public let size: Int
}

extension Repository {
    /// Copies blobs into new packs: each blob is read and verified from where the index says
    /// it is, then its encoded form (already compressed) is encrypted again under a new pack key. Writes only packs (no index file and
    /// nothing in this handle's index), so a crash leaves unreferenced packs and nothing else.
    /// `onPack` is called after each pack is stored.
    public func repack(_ blobs: [BlobID], onPack: (RepackedPack) -> Void = { _ in }) async throws -> [RepackedPack] {
        var written: [RepackedPack] = []
        var writer: PackWriter?
        func finish() async throws {
            guard let current = writer, !current.isEmpty else { return }
            let (bytes, entries) = try current.finish()
            let id = PackID.hashing(bytes)
            try await backend.put(ObjectName(.data, id.hex), bytes: bytes)
            let pack = RepackedPack(id: id, entries: entries, size: bytes.count)
            written.append(pack)
            onPack(pack)
            writer = nil
        }
        var copied = Set<BlobID>()
        for start in stride(from: 0, to: blobs.count, by: 32) {
            let batch = blobs[start..<min(start + 32, blobs.count)].filter { !copied.contains($0) }
            let contents = try await readBlobsForTransfer(Set(batch))
            for id in batch where copied.insert(id).inserted {
                guard let blob = contents[id], let location = index.location(of: id) else {
                    throw RepositoryError.blobMissing(id)
                }
                if writer == nil {
                    writer = try PackWriter(repository: config.id, algorithm: blobCipher, dataPublicKey: try dataPublicKey())
                }
                try writer?.add(id: id, type: location.entry.type, encoded: blob.encoded, rawLength: blob.plaintext.count)
                if writer?.isFull == true { try await finish() }
            }
        }
        try await finish()
        return written
    }
}
