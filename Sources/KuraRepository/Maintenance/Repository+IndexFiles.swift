import Foundation
import KuraStorage

/// One index file and the packs it names, for prune.
public struct StoredIndexFile: Sendable {
    public let id: IndexID
    public let packs: [PackID: [PackEntry]]
}

extension Repository {
    /// The names of the index files there are now.
    public func indexFileIDs() async throws -> Set<IndexID> {
        Set(try await backend.list(.index).compactMap { IndexID(hex: $0.name.name) })
    }

    /// Reads one index file; a damaged one throws `damaged`.
    public func readIndexFile(_ id: IndexID) async throws -> StoredIndexFile {
        let file = try await readIndexFile(ObjectName(.index, id.hex))
        var packs: [PackID: [PackEntry]] = [:]
        for pack in file.packs { packs[pack.id, default: []] += pack.blobs }
        return StoredIndexFile(id: id, packs: packs)
    }

    /// Writes an index file naming `packs`; every pack must already be stored.
    @discardableResult
    public func writeIndexFile(packs: [PackID: [PackEntry]]) async throws -> IndexID {
        try await storeIndexFile(IndexFile(packs: packs.keys.sorted().map { IndexFile.Pack(id: $0, blobs: packs[$0] ?? []) }))
    }

    /// Stores an index file: JSON, compressed, sealed, named by the hash of what is stored.
    @discardableResult
    func storeIndexFile(_ file: IndexFile) async throws -> IndexID {
        let json = Array(try JSONEncoder.kura.encode(file))
        let stored = try sealMetadata(IndexFileCompression.compress(json), purpose: "index")
        let id = IndexID.hashing(stored)
        try await backend.put(ObjectName(.index, id.hex), bytes: stored)
        return id
    }

    public func deleteIndexFile(_ id: IndexID) async throws {
        try await backend.delete(ObjectName(.index, id.hex))
    }

    /// Every stored pack and its size, indexed or not.
    public func storedPacks() async throws -> [PackID: Int] {
        var packs: [PackID: Int] = [:]
        for info in try await backend.list(.data) {
            if let id = PackID(hex: info.name.name) { packs[id] = info.size }
        }
        return packs
    }

    public func deletePack(_ id: PackID) async throws {
        try await backend.delete(ObjectName(.data, id.hex))
    }

    /// Reads the index files again, so a handle opened before a lock was taken does not
    /// deduplicate against packs a prune has since removed.
    public func reloadIndex() async throws {
        try await loadIndex()
    }
}
