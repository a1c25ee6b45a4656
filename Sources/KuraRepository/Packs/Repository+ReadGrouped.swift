import KuraStorage

extension Repository {
    /// Reads many blobs with few requests: the wanted blobs of each pack come from one
    /// ranged read covering them, when the bytes in between are no more than the wanted ones;
    /// otherwise blob by blob. Each blob is decrypted and verified as in `readBlob`. For small
    /// files, where one request per blob would cost more than the data (on S3 above all).
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
                group.addTask { try await self.readEntries(entries.sorted { $0.offset < $1.offset }, of: pack) }
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

    private func readEntries(_ entries: [PackEntry], of pack: PackID) async throws -> [BlobID: [UInt8]] {
        let start = entries[0].offset
        let end = entries.map { $0.offset + $0.length }.max()!
        let wanted = entries.reduce(0) { $0 + $1.length }
        guard entries.count > 1, end - start <= 2 * wanted + 64 * 1024 else {
            let blobs = try await readBlobs(entries.map(\.id))
            return Dictionary(zip(entries.map(\.id), blobs)) { first, _ in first }
        }
        let name = try ObjectName(.data, pack.hex)
        let cipher = try await cipher(for: pack, name: name)
        let span = try await readPackRange(pack, name: name, offset: start, length: end - start)
        var result: [BlobID: [UInt8]] = [:]
        for entry in entries {
            result[entry.id] = try openBlob(span[(entry.offset - start)..<(entry.offset - start + entry.length)],
                                            entry: entry, pack: pack, cipher: cipher)
        }
        return result
    }
}
