import Foundation
import KuraRepository

/// Removes data no generation uses, in two phases so backups can run meanwhile
/// (docs/PRUNE.md).
///
/// Mark, under a shared lock: find the blobs every generation uses, the packs none of it is
/// in, and the mostly unused packs; copy the used blobs of those into new packs and write an
/// index file for them. Sweep, under the exclusive lock, short: add what generations written
/// meanwhile use (a backup may have deduplicated against a blob of a pack marked for
/// deletion; such packs stay), write one index file for every pack that stays, delete the
/// index files it replaces, and only then delete packs. A crash at any instant leaves at
/// worst packs no index names, which the next prune removes.
public struct Pruner {
    let repository: Repository
    let options: PruneOptions
    let onMessage: (String) -> Void

    public init(repository: Repository, options: PruneOptions, onMessage: @escaping (String) -> Void = { _ in }) {
        self.repository = repository
        self.options = options
        self.onMessage = onMessage
    }

    public func run() async throws -> PruneReport {
        try repository.require(.delete)
        let shared = try await repository.lock(exclusive: false, command: "prune (mark)")
        let marked: Marked
        do {
            marked = try await mark()
            await shared.release()
        } catch {
            await shared.release()
            throw error
        }
        if options.dryRun { return marked.report }
        try await repository.requireDeletes(for: "prune")
        let plan = marked.plan
        if plan.dead.isEmpty, plan.repack.isEmpty, marked.report.leftoverPacks == 0, marked.indexFiles.count <= 1 {
            return marked.report
        }
        let exclusive = try await lockExclusively()
        do {
            let report = try await sweep(marked)
            await exclusive.release()
            return report
        } catch {
            await exclusive.release()
            throw error
        }
    }

    /// What the mark phase saw and wrote.
    struct Marked {
        var report: PruneReport
        var plan: PrunePlan
        var used: ReferencedBlobs
        var indexFiles: [IndexID: StoredIndexFile]
        /// Every pack the index files of the mark phase name, with its entries.
        var indexedPacks: [PackID: [PackEntry]]
        var generations: Set<GenerationID>
        var newIndex: IndexID?
        var newPacks: [PackID: [PackEntry]]
    }

    private func mark() async throws -> Marked {
        var report = PruneReport()
        report.dryRun = options.dryRun
        let indexIDs = try await repository.indexFileIDs()
        var indexFiles: [IndexID: StoredIndexFile] = [:]
        for id in indexIDs { indexFiles[id] = try await readIndexFile(id) }
        try await repository.reloadIndex()

        let (generations, damaged) = try await repository.generations()
        if let (name, error) = damaged.first { throw PruneError.unreadable("generation \(name.prefix(8)) (\(error))") }
        report.generations = generations.count
        var used = ReferencedBlobs()
        try await used.add(generations, from: repository)

        let packs = Self.union(indexFiles.values)
        let sizes = try await repository.storedPacks()
        let plan = try PrunePlan(packs: packs, sizes: sizes, used: used, maxUnused: options.maxUnused)
        report.packs = sizes.count
        report.bytes = sizes.values.reduce(Int64(0)) { $0 + Int64($1) }
        report.usedBytes = plan.usedBytes
        report.deadPacks = plan.dead.count
        report.deadBytes = plan.dead.reduce(Int64(0)) { $0 + Int64(sizes[$1] ?? 0) }
        report.repackedPacks = plan.repack.count
        report.repackedBytes = plan.repack.reduce(Int64(0)) { $0 + Int64(sizes[$1] ?? 0) }
        report.unusedBytesKept = plan.unusedBytesKept
        let unindexed = sizes.filter { packs[$0.key] == nil }
        report.leftoverPacks = unindexed.count
        report.leftoverBytes = unindexed.values.reduce(Int64(0)) { $0 + Int64($1) }

        var marked = Marked(report: report, plan: plan, used: used, indexFiles: indexFiles, indexedPacks: packs,
                            generations: Set(generations.map(\.id)), newIndex: nil, newPacks: [:])
        if options.dryRun {
            // Estimated as the used bytes copied (the new packs' own overhead is small).
            let copying = Set(plan.blobsToCopy)
            marked.report.newPackBytes = plan.repack.reduce(Int64(0)) { total, pack in
                total + (packs[pack] ?? []).filter { copying.contains($0.id) }.reduce(Int64(0)) { $0 + Int64($1.length) }
            }
            let perPack = Int64(PruneReport.packSize)
            marked.report.newPacks = Int((marked.report.newPackBytes + perPack - 1) / perPack)
            return marked
        }
        if !plan.blobsToCopy.isEmpty {
            onMessage("repacking \(plan.blobsToCopy.count) blobs out of \(plan.repack.count) packs")
            let written = try await repository.repack(plan.blobsToCopy)
            try await pause()
            for pack in written { marked.newPacks[pack.id] = pack.entries }
            marked.report.newPacks = written.count
            marked.report.newPackBytes = written.reduce(Int64(0)) { $0 + Int64($1.size) }
            marked.newIndex = try await repository.writeIndexFile(packs: marked.newPacks)
            try await pause()
        }
        return marked
    }

    private func sweep(_ marked: Marked) async throws -> PruneReport {
        var report = marked.report
        let current = try await repository.indexFileIDs()
        guard Set(marked.indexFiles.keys).isSubset(of: current) else { throw PruneError.concurrentPrune }

        // Index files written meanwhile name packs of backups that finished meanwhile: kept.
        var concurrentPacks = Set<PackID>()
        for id in current where marked.indexFiles[id] == nil && id != marked.newIndex {
            concurrentPacks.formUnion(try await readIndexFile(id).packs.keys)
        }
        try await repository.reloadIndex()
        let (generations, damaged) = try await repository.generations()
        if let (name, error) = damaged.first { throw PruneError.unreadable("generation \(name.prefix(8)) (\(error))") }
        var used = marked.used
        try await used.add(generations.filter { !marked.generations.contains($0.id) }, from: repository)

        let before = marked.indexedPacks
        var doomed = marked.plan.dead.union(marked.plan.repack)
        // A doomed pack stays if it holds a used blob that no staying pack holds.
        var changed = true
        while changed {
            changed = false
            var heldByStaying = Set<BlobID>()
            for (pack, entries) in before where !doomed.contains(pack) { heldByStaying.formUnion(entries.map(\.id)) }
            for entries in marked.newPacks.values { heldByStaying.formUnion(entries.map(\.id)) }
            for pack in concurrentPacks {
                heldByStaying.formUnion(repository.index.packs[pack]?.map(\.id) ?? [])
            }
            for pack in doomed.sorted() where (before[pack] ?? []).contains(where: { used.contains($0.id) && !heldByStaying.contains($0.id) }) {
                doomed.remove(pack)
                changed = true
            }
        }
        let planned = marked.plan.dead.union(marked.plan.repack)
        report.keptForNewGenerations = planned.subtracting(doomed).count
        let sizes = try await repository.storedPacks()
        report.deadPacks = marked.plan.dead.intersection(doomed).count
        report.deadBytes = marked.plan.dead.intersection(doomed).reduce(Int64(0)) { $0 + Int64(sizes[$1] ?? 0) }
        report.repackedPacks = marked.plan.repack.intersection(doomed).count
        report.repackedBytes = marked.plan.repack.intersection(doomed).reduce(Int64(0)) { $0 + Int64(sizes[$1] ?? 0) }

        // Index first: one file for every pack that stays replaces the ones read in the mark
        // phase and this prune's own; packs are deleted only once no index names them.
        var replaced = Set(marked.indexFiles.keys)
        if let newIndex = marked.newIndex { replaced.insert(newIndex) }
        if !doomed.isEmpty || marked.newIndex != nil || marked.indexFiles.count > 1 {
            var staying = before.filter { !doomed.contains($0.key) }
            staying.merge(marked.newPacks) { old, new in old + new }
            let consolidated = try await repository.writeIndexFile(packs: staying)
            try await pause()
            replaced.remove(consolidated)
            for id in replaced.sorted() {
                try await repository.deleteIndexFile(id)
                try await pause()
            }
            report.indexFilesReplaced = replaced.count
        }

        // Packs no index names now are leftovers: nothing that could still write runs.
        try await repository.reloadIndex()
        var leftovers: [PackID: Int] = [:]
        if repository.damagedIndexFiles.isEmpty {
            leftovers = sizes.filter { repository.index.packs[$0.key] == nil && !doomed.contains($0.key) }
        }
        report.leftoverPacks = leftovers.count
        report.leftoverBytes = leftovers.values.reduce(Int64(0)) { $0 + Int64($1) }
        for pack in doomed.sorted() + leftovers.keys.sorted() {
            try await repository.deletePack(pack)
            try await pause()
        }
        if report.deadPacks + report.repackedPacks + report.leftoverPacks > 0 {
            try await repository.appendAudit("prune", details: [
                "packs deleted": String(report.deadPacks + report.repackedPacks + report.leftoverPacks),
                "packs repacked": String(report.repackedPacks), "packs written": String(report.newPacks),
                "bytes freed": String(report.bytesFreed)])
        }
        return report
    }

    /// Waits for running backups to finish, so the sweep sees everything they wrote.
    private func lockExclusively() async throws -> RepositoryLock {
        try await repository.lockWaiting(exclusive: true, command: "prune (sweep)", wait: options.lockWait, onWait: onMessage)
    }

    private func pause() async throws {
        if options.stepPause > 0 { try await Task.sleep(nanoseconds: UInt64(options.stepPause * 1_000_000_000)) }
    }

    private func readIndexFile(_ id: IndexID) async throws -> StoredIndexFile {
        do {
            return try await repository.readIndexFile(id)
        } catch let error as RepositoryError {
            throw PruneError.unreadable("index \(id.short) (\(error))")
        }
    }

    static func union(_ files: some Sequence<StoredIndexFile>) -> [PackID: [PackEntry]] {
        var packs: [PackID: Set<PackEntry>] = [:]
        for file in files {
            for (pack, entries) in file.packs { packs[pack, default: []].formUnion(entries) }
        }
        return packs.mapValues { $0.sorted { $0.offset < $1.offset } }
    }
}
