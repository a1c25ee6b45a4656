import KuraCrypto
import KuraStorage

/// A blob read for copying into another repository: its plaintext (to compute the other
/// repository's keyed ID) and its encoded form (compressed and padded), which the other
/// repository can encrypt as it is instead of compressing the plaintext again.
public struct TransferBlob: Sendable {
    public let plaintext: [UInt8]
    public let encoded: [UInt8]
    /// Bytes read from storage for this blob (ciphertext and tag).
    public let storedLength: Int
}

extension Repository {
    /// Reads many blobs for copying, a pack range at a time (as `readBlobsGrouped`), each
    /// decrypted and verified against its keyed ID.
    public func readBlobsForTransfer(_ ids: Set<BlobID>) async throws -> [BlobID: TransferBlob] {
        var byPack: [PackID: [PackEntry]] = [:]
        for id in ids {
            guard let location = index.location(of: id) else { throw RepositoryError.blobMissing(id) }
            byPack[location.pack, default: []].append(location.entry)
        }
        return try await withThrowingTaskGroup(of: [BlobID: TransferBlob].self) { group in
            var pending = byPack.makeIterator()
            func startNext() {
                guard let (pack, entries) = pending.next() else { return }
                group.addTask { try await self.readTransferEntries(entries.sorted { $0.offset < $1.offset }, of: pack) }
            }
            for _ in 0..<4 { startNext() }
            var result: [BlobID: TransferBlob] = [:]
            while let blobs = try await group.next() {
                result.merge(blobs) { first, _ in first }
                startNext()
            }
            return result
        }
    }

    /// The entries of one pack, streamed as in `readBlobs(_:of:deliver:)`.
    private func readTransferEntries(_ entries: [PackEntry], of pack: PackID) async throws -> [BlobID: TransferBlob] {
        let name = try ObjectName(.data, pack.hex)
        let cipher = try await cipher(for: pack, name: name)
        var result: [BlobID: TransferBlob] = [:]
        try await streamSealedBlobs(entries, of: pack, name: name) { entry, sealed in
            result[entry.id] = try openTransferBlob(sealed[...], entry: entry, pack: pack, cipher: cipher)
        }
        return result
    }

    private func openTransferBlob(_ sealed: ArraySlice<UInt8>, entry: PackEntry, pack: PackID,
                                  cipher: AEADCipher) throws -> TransferBlob {
        do {
            let encoded = try cipher.openData(sealed, nonce: PackFormat.blobNonce(offset: entry.offset),
                                              associatedData: PackFormat.blobAssociatedData(repository: config.id,
                                                                                            type: entry.type, id: entry.id))
            let plaintext = try BlobCodec.decode(encoded, rawSize: entry.rawLength)
            guard HMACSHA256.authenticate(plaintext, key: blobIDKey) == entry.id.bytes else {
                throw RepositoryError.damaged(object: "blob \(entry.id.short) in pack \(pack.short)",
                                              reason: "content does not match its ID")
            }
            return TransferBlob(plaintext: plaintext, encoded: encoded, storedLength: entry.length)
        } catch let error as RepositoryError {
            throw error
        } catch {
            throw RepositoryError.damaged(object: "blob \(entry.id.short) in pack \(pack.short)", reason: "fails authentication")
        }
    }
}
