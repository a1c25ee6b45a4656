import KuraRepository

/// The blobs that generations use: their trees and the content of every file in them.
struct ReferencedBlobs {
    private(set) var blobs: Set<BlobID>

    init(blobs: Set<BlobID> = []) { self.blobs = blobs }

    /// Trees read at once (each is one request on S3).
    static let parallelReads = 16

    /// Adds everything `generations` refer to, reading trees several at a time as they are
    /// found. A tree that cannot be read stops prune: what it refers to would be unknown, and
    /// deleting it could lose data.
    mutating func add(_ generations: [StoredGeneration], from repository: Repository) async throws {
        var pending = generations.map { ($0.generation.tree, $0.name) }.filter { blobs.insert($0.0).inserted }
        try await withThrowingTaskGroup(of: (Tree, String).self) { group in
            var running = 0
            while !pending.isEmpty || running > 0 {
                while running < Self.parallelReads, let (treeID, owner) = pending.popLast() {
                    group.addTask {
                        do {
                            return (try await repository.loadTree(treeID), owner)
                        } catch {
                            throw PruneError.unreadable("tree \(treeID.short) of \(owner) (\(error))")
                        }
                    }
                    running += 1
                }
                guard let (tree, owner) = try await group.next() else { break }
                running -= 1
                for node in tree.nodes {
                    if let subtree = node.subtree, blobs.insert(subtree).inserted { pending.append((subtree, owner)) }
                    for blob in node.content ?? [] { blobs.insert(blob) }
                }
            }
        }
    }

    func contains(_ blob: BlobID) -> Bool { blobs.contains(blob) }
}
