import Dispatch
import Foundation
import KuraRepository

/// Rewrites a source tree into the destination: every data blob re-encrypted under the
/// destination's keys and named by its blob-ID key, every tree rewritten with the new IDs.
///
/// Incremental: given the source tree of an earlier generation and the destination's copy of
/// it (a `TreeCopyHint`), an unchanged subtree is taken over by ID without being read, and
/// the blobs of files in changed directories are mapped by walking the two copies side by
/// side; only blobs new since then are read from the source. Mappings are kept for the whole
/// run, so several generations copied together read each blob once.
final class TreeCopier {
    private let source: Repository
    private let destination: Repository
    private var treeMap: [BlobID: BlobID] = [:]
    private var blobMap: [BlobID: BlobID] = [:]
    private(set) var statistics = CopyStatistics()
    /// Hears the running statistics after each batch of blobs.
    var onProgress: (CopyStatistics) -> Void = { _ in }
    private var storedAtLastIndex: Int64 = 0

    /// Blobs are read and re-encrypted in batches of about this many plaintext bytes.
    private static let batchBytes = 16 * 1024 * 1024
    /// The destination's index is written after this many new pack bytes, so a copy that is
    /// interrupted keeps (and a rerun deduplicates against) what it wrote. KURA_COPY_INDEX_BYTES
    /// changes it (tests use a small value).
    private static let indexEvery: Int64 = ProcessInfo.processInfo.environment["KURA_COPY_INDEX_BYTES"]
        .flatMap { Int64($0) }.flatMap { $0 > 0 ? $0 : nil } ?? 128 * 1024 * 1024

    init(source: Repository, destination: Repository) {
        self.source = source
        self.destination = destination
    }

    func resetStatistics() { statistics = CopyStatistics() }

    /// The destination's ID of a copy of source tree `id`.
    func copyTree(_ id: BlobID, hint: TreeCopyHint?) async throws -> BlobID {
        if let mapped = treeMap[id], destination.hasBlob(mapped) { return mapped }
        if let hint, hint.sourceTree == id, destination.hasBlob(hint.destinationTree) {
            treeMap[id] = hint.destinationTree
            return hint.destinationTree
        }
        // The three trees are decoded at once: decoding is most of an incremental copy's work.
        let source = self.source, destination = self.destination
        async let loadedPrevious = Self.previousNodes(hint, source: source, destination: destination)
        let tree = try await loadSourceTree(id)
        let previous = await loadedPrevious
        if previous.sourceTreeRead {
            count(treeRead: hint?.sourceTree)
        }
        let pairs = previous.pairs

        var nodes: [Node] = []
        var wanted: [BlobID] = []
        for var node in tree.nodes {
            let before = pairs[Self.key(node)]
            if node.kind == .directory, let subtree = node.subtree {
                var childHint: TreeCopyHint?
                if let oldSubtree = before?.old.subtree, let copySubtree = before?.copy.subtree {
                    childHint = TreeCopyHint(sourceTree: oldSubtree, destinationTree: copySubtree)
                }
                node.subtree = try await copyTree(subtree, hint: childHint)
            }
            if let content = node.content {
                if let oldContent = before?.old.content, let copyContent = before?.copy.content,
                   oldContent.count == copyContent.count {
                    for (from, to) in zip(oldContent, copyContent) where blobMap[from] == nil && destination.hasBlob(to) {
                        blobMap[from] = to
                    }
                }
                wanted += content.filter { blobMap[$0] == nil }
            }
            nodes.append(node)
        }
        try await transfer(wanted)
        for index in nodes.indices {
            guard let content = nodes[index].content else { continue }
            nodes[index].content = try content.map { id in
                guard let mapped = blobMap[id] else { throw CopyError.inSource(location: source.backend.location,
                                                                               error: .blobMissing(id)) }
                return mapped
            }
        }
        let copied = try await inDestination { try await destination.saveTree(Tree(nodes: nodes)) }
        treeMap[id] = copied
        return copied
    }

    /// Writes the destination's open pack and index.
    func flush() async throws {
        try await inDestination { try await destination.flush() }
        storedAtLastIndex = destination.storedBytes
    }

    private static func key(_ node: Node) -> String { node.rawName ?? node.name }

    /// The nodes of the hint's two trees, paired by name, and whether the source tree was
    /// read. A hint that cannot be read is ignored: it only saves work.
    private static func previousNodes(_ hint: TreeCopyHint?, source: Repository,
                                      destination: Repository) async -> (pairs: [String: NodePair], sourceTreeRead: Bool) {
        guard let hint, source.hasBlob(hint.sourceTree), destination.hasBlob(hint.destinationTree) else { return ([:], false) }
        async let loadedCopy = try? destination.loadTree(hint.destinationTree)
        let old = try? await source.loadTree(hint.sourceTree)
        guard let old, let copy = await loadedCopy else { return ([:], old != nil) }
        var copies: [String: Node] = [:]
        for node in copy.nodes { copies[key(node)] = node }
        var pairs: [String: NodePair] = [:]
        for node in old.nodes {
            if let match = copies[key(node)], match.kind == node.kind { pairs[key(node)] = NodePair(old: node, copy: match) }
        }
        return (pairs, true)
    }

    private func loadSourceTree(_ id: BlobID) async throws -> Tree {
        let tree = try await inSource { try await source.loadTree(id) }
        count(treeRead: id)
        return tree
    }

    private func count(treeRead id: BlobID?) {
        guard let id else { return }
        statistics.blobsRead += 1
        statistics.bytesRead += Int64(source.index.location(of: id)?.entry.length ?? 0)
    }

    /// Reads the blobs (each once, in batches), names them with the destination's key and
    /// stores those the destination lacks, reusing their compressed form.
    private func transfer(_ ids: [BlobID]) async throws {
        var seen: Set<BlobID> = []
        var batch: [BlobID] = []
        var batchSize = 0
        for id in ids where blobMap[id] == nil && seen.insert(id).inserted {
            guard let location = source.index.location(of: id) else {
                throw CopyError.inSource(location: source.backend.location, error: .blobMissing(id))
            }
            batch.append(id)
            batchSize += location.entry.rawLength
            if batchSize >= Self.batchBytes {
                try await transferBatch(batch)
                batch = []
                batchSize = 0
            }
        }
        if !batch.isEmpty { try await transferBatch(batch) }
    }

    private func transferBatch(_ ids: [BlobID]) async throws {
        let blobs = try await inSource { try await source.readBlobsForTransfer(Set(ids)) }
        var ordered: [TransferBlob] = []
        for id in ids {
            guard let blob = blobs[id] else {
                throw CopyError.inSource(location: source.backend.location, error: .blobMissing(id))
            }
            ordered.append(blob)
        }
        let newIDs = Self.destinationIDs(of: ordered, in: destination)
        for (index, id) in ids.enumerated() {
            let blob = ordered[index]
            statistics.blobsRead += 1
            statistics.bytesRead += Int64(blob.storedLength)
            let newID = newIDs[index]
            if !destination.hasBlob(newID) {
                try await inDestination {
                    try await destination.add(id: newID, type: .data, encoded: blob.encoded, rawLength: blob.plaintext.count)
                }
                statistics.newBlobs += 1
            }
            blobMap[id] = newID
        }
        if destination.storedBytes - storedAtLastIndex >= Self.indexEvery { try await flush() }
        onProgress(statistics)
    }

    /// The destination's keyed IDs, computed on every core.
    private static func destinationIDs(of blobs: [TransferBlob], in destination: Repository) -> [BlobID] {
        let slots = IDSlots(count: blobs.count)
        let shared = SharedBlobs(blobs: blobs, destination: destination)
        let workers = max(1, min(blobs.count, ProcessInfo.processInfo.activeProcessorCount))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for index in stride(from: worker, to: shared.blobs.count, by: workers) {
                slots.set(index, shared.destination.blobID(of: shared.blobs[index].plaintext))
            }
        }
        return slots.values
    }

    private func inSource<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as RepositoryError {
            throw CopyError.inSource(location: source.backend.location, error: error)
        }
    }

    private func inDestination<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as RepositoryError {
            throw CopyError.inDestination(location: destination.backend.location, error: error)
        }
    }

    private struct SharedBlobs: Sendable {
        let blobs: [TransferBlob]
        let destination: Repository
    }

    /// Filled by concurrent tasks, one slot each, under `lock`.
    private final class IDSlots: @unchecked Sendable {
        private var slots: [BlobID?]
        private let lock = NSLock()

        init(count: Int) { slots = Array(repeating: nil, count: count) }

        func set(_ index: Int, _ value: BlobID) { lock.withLock { slots[index] = value } }

        var values: [BlobID] { lock.withLock { slots.compactMap { $0 } } }
    }
}

/// An entry of an earlier generation's source tree and the same entry in its copy.
struct NodePair {
    let old: Node
    let copy: Node
}

/// A source tree of an earlier generation and the destination's copy of it.
struct TreeCopyHint {
    let sourceTree: BlobID
    let destinationTree: BlobID
}
