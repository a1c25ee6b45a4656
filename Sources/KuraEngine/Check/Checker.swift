import Foundation
import KuraRepository

/// How much data `check` reads back.
public enum ReadDataSelection: Sendable, Equatable {
    case none
    case all
    /// A random fraction of the packs (0...1).
    case fraction(Double)
    /// Part k of m (1-based): packs whose ID falls in that slice, so m runs cover everything.
    case part(Int, of: Int)
}

/// One thing `check` found wrong, with what it affects.
public struct CheckProblem: Sendable {
    public let object: String
    public let reason: String
    /// "SUBJECT@N /path" entries whose data is affected (at most a few per object).
    public let affected: [String]
}

public struct CheckReport: Sendable {
    public var problems: [CheckProblem] = []
    public var warnings: [String] = []
    public var generations = 0
    public var trees = 0
    public var blobs = 0
    public var packsRead = 0
}

/// Verifies a repository: structure always (index files, generation records and their
/// signatures, every tree, every reference resolves, every indexed pack exists), and with
/// read-data the packs themselves (hash, header, every blob decrypted and its ID checked).
public struct Checker {
    let repository: Repository

    public init(repository: Repository) { self.repository = repository }

    public func run(readData: ReadDataSelection) async throws -> CheckReport {
        try repository.require(.readContents)
        var report = CheckReport()
        var users: [BlobID: [String]] = [:]
        func affected(_ blob: BlobID) -> [String] { users[blob] ?? [] }

        for name in try await repository.rejectedEnvelopes() {
            report.problems.append(CheckProblem(object: name, reason: "is not a key epoch envelope signed by a live admin key "
                                                + "(forged or altered); keys ignore it", affected: []))
        }
        report.problems += try await keyProblems()
        for (name, error) in repository.damagedIndexFiles {
            report.problems.append(CheckProblem(object: "index \(name.prefix(8))", reason: "\(error)", affected: []))
        }
        let (generations, damagedGenerations) = try await repository.generations()
        for (name, error) in damagedGenerations {
            report.problems.append(CheckProblem(object: "generation \(name.prefix(8))", reason: "\(error)", affected: []))
        }
        report.generations = generations.count
        report.problems += try await recordProblems()
        report.warnings += configWarnings

        // Walk every tree once; remember which generations and paths use each blob.
        var visitedTrees: Set<BlobID> = []
        for stored in generations {
            var stack: [(BlobID, String)] = [(stored.generation.tree, "")]
            while let (treeID, path) = stack.popLast() {
                users[treeID, default: []].append("\(stored.name) \(path.isEmpty ? "/" : path)")
                guard visitedTrees.insert(treeID).inserted else { continue }
                let tree: Tree
                do {
                    tree = try await repository.loadTree(treeID)
                    report.trees += 1
                } catch {
                    report.problems.append(CheckProblem(object: "tree \(treeID.short)", reason: "\(error)",
                                                        affected: ["\(stored.name) \(path.isEmpty ? "/" : path)"]))
                    continue
                }
                for node in tree.nodes {
                    let childPath = path + "/" + node.name
                    if let subtree = node.subtree { stack.append((subtree, childPath)) }
                    for blob in node.content ?? [] {
                        if users[blob, default: []].count < 3 { users[blob, default: []].append("\(stored.name) \(childPath)") }
                        if !repository.index.contains(blob) {
                            report.problems.append(CheckProblem(object: "blob \(blob.short)",
                                                                reason: "is not in any index (its data is missing)",
                                                                affected: ["\(stored.name) \(childPath)"]))
                        }
                    }
                }
            }
        }
        report.blobs = repository.index.blobCount

        // Packs: every indexed pack must exist; unindexed ones are leftovers of interrupted writes.
        let stored = Dictionary(try await repository.backend.list(.data).map { ($0.name.name, $0.size) }) { first, _ in first }
        for (pack, entries) in repository.index.packs {
            guard let size = stored[pack.hex] else {
                report.problems.append(CheckProblem(object: "pack \(pack.short)", reason: "is missing",
                                                    affected: entries.flatMap { affected($0.id) }.prefix(10).map { $0 }))
                continue
            }
            if let end = entries.map({ $0.offset + $0.length }).max(), end > size {
                report.problems.append(CheckProblem(object: "pack \(pack.short)", reason: "is shorter than its index says (truncated)",
                                                    affected: entries.flatMap { affected($0.id) }.prefix(10).map { $0 }))
            }
        }
        let indexedNames = Set(repository.index.packs.keys.map(\.hex))
        for name in stored.keys where !indexedNames.contains(name) {
            report.warnings.append("pack \(name.prefix(8)) is not in any index (left by an interrupted backup; prune removes it)")
        }

        // Packs are read and verified two at a time (one per core on these machines), the
        // next starting as soon as one is done.
        let selected = selectPacks(readData).sorted()
        let repository = self.repository
        let damages = try await withThrowingTaskGroup(of: [Repository.PackDamage].self) { group in
            var pending = selected.makeIterator()
            func startNext() {
                guard let pack = pending.next() else { return }
                group.addTask { try await repository.verifyPack(pack) }
            }
            for _ in 0..<2 { startNext() }
            var found: [Repository.PackDamage] = []
            while let damage = try await group.next() {
                found += damage
                startNext()
            }
            return found
        }
        report.packsRead += selected.count
        // In pack order, whichever finished first.
        for damage in damages.sorted(by: { $0.pack < $1.pack }) {
            report.problems.append(CheckProblem(object: "pack \(damage.pack.short)", reason: damage.reason,
                                                affected: damage.blobs.flatMap { affected($0) }.prefix(10).map { $0 }))
        }
        return report
    }

    private func selectPacks(_ selection: ReadDataSelection) -> [PackID] {
        let packs = Array(repository.index.packs.keys)
        switch selection {
        case .none: return []
        case .all: return packs
        case .fraction(let fraction):
            let count = Int((Double(packs.count) * fraction).rounded(.up))
            return Array(packs.shuffled().prefix(count))
        case .part(let k, let m):
            return packs.filter { Int($0.bytes[0]) % m == k - 1 }
        }
    }
}
