import KuraRepository

/// The blobs that generations use: their trees and the content of every file in them.
struct ReferencedBlobs {
    private(set) var blobs: Set<BlobID> = []

    /// Trees read at once (each is one request on S3).
    static let parallelReads = 8

    /// Adds everything `generations` refer to, reading the trees level by level, several at a
    /// time. A tree that cannot be read stops prune: what it refers to would be unknown, and
    /// deleting it could lose data.
    mutating func add(_ generations: [StoredGeneration], from repository: Repository) async throws {
        var level = generations.map { ($0.generation.tree, $0.name) }
        while !level.isEmpty {
            let unseen = level.filter { blobs.insert($0.0).inserted }
            var next: [(BlobID, String)] = []
            for start in stride(from: 0, to: unseen.count, by: Self.parallelReads) {
                let batch = unseen[start..<min(start + Self.parallelReads, unseen.count)]
                let trees = try await withThrowingTaskGroup(of: (Tree, String).self) { group in
                    for (treeID, owner) in batch {
                        group.addTask {
                            do {
                                return (try await repository.loadTree(treeID), owner)
                            } catch {
                                throw PruneError.unreadable("tree \(treeID.short) of \(owner) (\(error))")
                            }
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                for (tree, owner) in trees {
                    for node in tree.nodes {
                        if let subtree = node.subtree { next.append((subtree, owner)) }
                        for blob in node.content ?? [] { blobs.insert(blob) }
                    }
                }
            }
            level = next
        }
    }

    func contains(_ blob: BlobID) -> Bool { blobs.contains(blob) }
}
