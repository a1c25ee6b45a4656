import KuraRepository

/// One difference between two generations, restic-style: `+` added, `-` removed, `M` content
/// changed, `T` type changed, `U` metadata only (mode, owner, xattrs; mtime for non-directories).
public struct TreeChange: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case added = "+", removed = "-", modified = "M", typeChanged = "T", metadata = "U"
    }

    public let kind: Kind
    /// The path as raw bytes (names need not be UTF-8), and as text (such bytes as U+FFFD).
    public let pathBytes: [UInt8]
    public var path: String { String(decoding: pathBytes, as: UTF8.self) }
}

/// Totals of a diff: entries added and removed, files whose content changed, and the bytes
/// of file content that appeared and disappeared.
public struct DiffSummary: Sendable, Equatable {
    public var added = 0
    public var removed = 0
    public var modified = 0
    public var metadataOnly = 0
    public var bytesAdded: Int64 = 0
    public var bytesRemoved: Int64 = 0
}

/// Compares two generations' trees. Identical subtrees have the same blob ID and are skipped
/// without being read, so the cost follows the size of the change, not of the tree.
public struct GenerationDiff {
    let repository: Repository

    public init(repository: Repository) {
        self.repository = repository
    }

    /// Reports each change in path order through `onChange`, and returns the totals.
    public func run(from old: StoredGeneration, to new: StoredGeneration,
                    onChange: (TreeChange) -> Void) async throws -> DiffSummary {
        try repository.require(.readContents)
        var summary = DiffSummary()
        try await compare(old.generation.tree, new.generation.tree, prefix: [], summary: &summary, onChange: onChange)
        return summary
    }

    private func compare(_ oldTree: BlobID, _ newTree: BlobID, prefix: [UInt8],
                         summary: inout DiffSummary, onChange: (TreeChange) -> Void) async throws {
        guard oldTree != newTree else { return }
        let oldNodes = try await repository.loadTree(oldTree).nodes
        let newNodes = try await repository.loadTree(newTree).nodes
        var i = 0, j = 0
        while i < oldNodes.count || j < newNodes.count {
            let order: Int = if i == oldNodes.count { 1 } else if j == newNodes.count { -1 } else {
                Self.compareNames(oldNodes[i], newNodes[j])
            }
            if order < 0 {
                try await report(oldNodes[i], as: .removed, prefix: prefix, summary: &summary, onChange: onChange)
                i += 1
            } else if order > 0 {
                try await report(newNodes[j], as: .added, prefix: prefix, summary: &summary, onChange: onChange)
                j += 1
            } else {
                try await compare(oldNodes[i], newNodes[j], prefix: prefix, summary: &summary, onChange: onChange)
                i += 1
                j += 1
            }
        }
    }

    private func compare(_ old: Node, _ new: Node, prefix: [UInt8],
                         summary: inout DiffSummary, onChange: (TreeChange) -> Void) async throws {
        let path = prefix + [0x2F] + new.nameBytes
        if old.kind != new.kind {
            onChange(TreeChange(kind: .typeChanged, pathBytes: path))
            summary.modified += 1
            if old.kind == .file { summary.bytesRemoved += old.size }
            if new.kind == .file { summary.bytesAdded += new.size }
            if let subtree = old.subtree { try await walk(subtree, prefix: path, as: .removed, summary: &summary, onChange: onChange) }
            if let subtree = new.subtree { try await walk(subtree, prefix: path, as: .added, summary: &summary, onChange: onChange) }
            return
        }
        if old.content != new.content || old.linkTarget != new.linkTarget || old.rawLinkTarget != new.rawLinkTarget
            || old.deviceNumber != new.deviceNumber {
            onChange(TreeChange(kind: .modified, pathBytes: path))
            summary.modified += 1
            summary.bytesRemoved += old.size
            summary.bytesAdded += new.size
        } else if old.mode != new.mode || old.uid != new.uid || old.gid != new.gid || old.xattrs != new.xattrs
                    // A directory's mtime moves with every entry added or removed: not news.
                    || (old.mtime != new.mtime && new.kind != .directory) {
            onChange(TreeChange(kind: .metadata, pathBytes: path))
            summary.metadataOnly += 1
        }
        if let oldSubtree = old.subtree, let newSubtree = new.subtree {
            try await compare(oldSubtree, newSubtree, prefix: path, summary: &summary, onChange: onChange)
        }
    }

    /// An entry that exists on one side only, with everything under it.
    private func report(_ node: Node, as kind: TreeChange.Kind, prefix: [UInt8],
                        summary: inout DiffSummary, onChange: (TreeChange) -> Void) async throws {
        let path = prefix + [0x2F] + node.nameBytes
        onChange(TreeChange(kind: kind, pathBytes: path))
        if kind == .added {
            summary.added += 1
            if node.kind == .file { summary.bytesAdded += node.size }
        } else {
            summary.removed += 1
            if node.kind == .file { summary.bytesRemoved += node.size }
        }
        if let subtree = node.subtree {
            try await walk(subtree, prefix: path, as: kind, summary: &summary, onChange: onChange)
        }
    }

    private func walk(_ tree: BlobID, prefix: [UInt8], as kind: TreeChange.Kind,
                      summary: inout DiffSummary, onChange: (TreeChange) -> Void) async throws {
        for node in try await repository.loadTree(tree).nodes {
            try await report(node, as: kind, prefix: prefix, summary: &summary, onChange: onChange)
        }
    }

    /// Trees are sorted by the UTF-8 bytes of the shown name (Tree.init); names that only
    /// differ in their raw, non-UTF-8 bytes are told apart by `rawName`.
    static func compareNames(_ a: Node, _ b: Node) -> Int {
        if a.name == b.name {
            let left = a.rawName ?? "", right = b.rawName ?? ""
            return left == right ? 0 : (left < right ? -1 : 1)
        }
        return a.name.utf8.lexicographicallyPrecedes(b.name.utf8) ? -1 : 1
    }
}
