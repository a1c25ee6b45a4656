import Foundation
import KuraRepository

/// One entry of a generation whose path matches a `kura find` pattern.
public struct FoundEntry: Sendable {
    public let generation: StoredGeneration
    /// The entry's full path in the generation ("/etc/ssh/sshd_config"), as raw bytes.
    public let pathBytes: [UInt8]
    public let node: Node

    /// The path for matching and JSON (bytes that are not UTF-8 as U+FFFD).
    public var path: String { String(decoding: pathBytes, as: UTF8.self) }
}

/// Finds the entries of generations whose name (a pattern without "/") or whole path (a
/// pattern with "/") matches a glob, as `--exclude` matches. Generations share most of their
/// trees, so each tree is searched once and its matches reused wherever it appears again.
public final class PathFinder {
    private let repository: Repository
    private let matcher: GlobMatcher
    /// Matches under a tree, as paths relative to it, for patterns that look at names only
    /// (a whole-path pattern depends on where the tree sits, so it is not cached).
    private var matchesByTree: [BlobID: [(relative: [UInt8], node: Node)]] = [:]

    public init(repository: Repository, patterns: [String]) throws(GlobError) {
        self.repository = repository
        matcher = try GlobMatcher(patterns: patterns)
    }

    /// Every match in `generations`, in their order, each generation's matches by path.
    public func find(in generations: [StoredGeneration]) async throws -> [FoundEntry] {
        var found: [FoundEntry] = []
        for stored in generations {
            let matches = try await search(stored.generation.tree, at: [])
            found += matches.sorted { $0.relative.lexicographicallyPrecedes($1.relative) }
                .map { FoundEntry(generation: stored, pathBytes: $0.relative, node: $0.node) }
        }
        return found
    }

    private var cacheable: Bool { !matcher.patterns.contains { $0.contains("/") } }

    private func search(_ tree: BlobID, at prefix: [UInt8]) async throws -> [(relative: [UInt8], node: Node)] {
        if cacheable, let known = matchesByTree[tree] {
            return prefix.isEmpty ? known : known.map { (prefix + $0.relative, $0.node) }
        }
        var matches: [(relative: [UInt8], node: Node)] = []
        let base = cacheable ? [] : prefix
        for node in try await repository.loadTree(tree).nodes {
            let path = base + [0x2F] + node.nameBytes
            if matcher.matches(path: String(decoding: path, as: UTF8.self), name: node.pathName) { matches.append((path, node)) }
            if let subtree = node.subtree { matches += try await search(subtree, at: path) }
        }
        guard cacheable else { return matches }
        matchesByTree[tree] = matches
        return prefix.isEmpty ? matches : matches.map { (prefix + $0.relative, $0.node) }
    }
}
