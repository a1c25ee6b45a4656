import KuraEngine
import KuraRepository

/// A generation's files as a drill samples them, and how many entries it has, from a walk of
/// its trees. Trees that cannot be read are left out here; the restore names them.
struct GenerationContents {
    var units: [DrillSample.Unit] = []
    var entries = 0

    static func collect(_ repository: Repository, tree: BlobID) async throws -> GenerationContents {
        var contents = GenerationContents()
        var seenLinks: Set<String> = []
        var pending: [(BlobID, String)] = [(tree, "")]
        while let (id, path) = pending.popLast() {
            let loaded: Tree
            do {
                loaded = try await repository.loadTree(id)
            } catch {
                guard Restorer.damageReason(error) != nil else { throw error }
                continue
            }
            for node in loaded.nodes {
                let child = path + "/" + node.pathName
                contents.entries += 1
                switch node.kind {
                case .directory:
                    if let subtree = node.subtree { pending.append((subtree, child)) }
                case .file:
                    if let key = node.hardlinkKey {
                        guard seenLinks.insert(key).inserted else { continue }
                        contents.units.append(.init(key: key, bytes: node.size))
                    } else {
                        contents.units.append(.init(key: child, bytes: node.size))
                    }
                default:
                    break
                }
            }
        }
        return contents
    }
}
