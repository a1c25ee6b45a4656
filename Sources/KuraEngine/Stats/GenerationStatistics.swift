import Foundation
import KuraRepository

/// What `kura stats` counts (restic's modes of the same names).
public enum StatisticsMode: String, Sendable, CaseIterable {
    /// Files, directories and bytes as a restore of each generation would write them (a hard
    /// link's content once per generation).
    case restoreSize = "restore-size"
    /// The distinct blobs the generations reference: their plaintext and their stored size,
    /// what the generations cost in the repository after deduplication and compression.
    case rawData = "raw-data"
}

/// Totals over one or more generations.
public struct GenerationStatistics: Sendable, Equatable {
    public var generations = 0
    /// restore-size: entries and bytes, summed over the generations.
    public var files = 0
    public var directories = 0
    public var otherEntries = 0
    public var restoreBytes: Int64 = 0
    /// raw-data: distinct blobs, their plaintext bytes and their encrypted, padded size in packs.
    public var blobs = 0
    public var plaintextBytes: Int64 = 0
    public var storedBytes: Int64 = 0

    /// Reads the trees of `generations` (each distinct tree once) and counts what `mode` asks for.
    public static func collect(_ generations: [StoredGeneration], mode: StatisticsMode,
                               repository: Repository) async throws -> GenerationStatistics {
        var statistics = GenerationStatistics(generations: generations.count)
        var trees: [BlobID: Tree] = [:]
        func tree(_ id: BlobID) async throws -> Tree {
            if let known = trees[id] { return known }
            let loaded = try await repository.loadTree(id)
            trees[id] = loaded
            return loaded
        }
        switch mode {
        case .restoreSize:
            for stored in generations {
                var linked: Set<String> = []
                var pending = [stored.generation.tree]
                while let next = pending.popLast() {
                    for node in try await tree(next).nodes {
                        switch node.kind {
                        case .file:
                            statistics.files += 1
                            if let key = node.hardlinkKey, !linked.insert(key).inserted { continue }
                            statistics.restoreBytes += node.size
                        case .directory:
                            statistics.directories += 1
                            if let subtree = node.subtree { pending.append(subtree) }
                        default:
                            statistics.otherEntries += 1
                        }
                    }
                }
            }
        case .rawData:
            var seen: Set<BlobID> = []
            var pending = generations.map(\.generation.tree)
            func count(_ id: BlobID) throws {
                guard seen.insert(id).inserted else { return }
                guard let location = repository.index.location(of: id) else { throw RepositoryError.blobMissing(id) }
                statistics.blobs += 1
                statistics.plaintextBytes += Int64(location.entry.rawLength)
                statistics.storedBytes += Int64(location.entry.length)
            }
            while let next = pending.popLast() {
                guard !seen.contains(next) else { continue }
                try count(next)
                for node in try await tree(next).nodes {
                    for blob in node.content ?? [] { try count(blob) }
                    if let subtree = node.subtree { pending.append(subtree) }
                }
                trees[next] = nil
            }
        }
        return statistics
    }
}
