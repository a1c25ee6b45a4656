import KuraRepository

/// The blobs that generations use: their trees and the content of every file in them.
struct ReferencedBlobs {
    private(set) var blobs: Set<BlobID> = []

    /// Adds everything `generations` refer to. A tree that cannot be read stops prune: what it
    /// refers to would be unknown, and deleting it could lose data.
    mutating func add(_ generations: [StoredGeneration], from repository: Repository) async throws {
        var stack = generations.map { ($0.generation.tree, $0.name) }
        while let (treeID, owner) = stack.popLast() {
            guard blobs.insert(treeID).inserted else { continue }
            let tree: Tree
            do {
                tree = try await repository.loadTree(treeID)
            } catch {
                throw PruneError.unreadable("tree \(treeID.short) of \(owner) (\(error))")
            }
            for node in tree.nodes {
                if let subtree = node.subtree { stack.append((subtree, owner)) }
                for blob in node.content ?? [] { blobs.insert(blob) }
            }
        }
    }

    func contains(_ blob: BlobID) -> Bool { blobs.contains(blob) }
}
