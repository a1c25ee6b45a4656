import Foundation
import KuraRepository

/// Copies generations from one open repository to another, re-encrypted under the
/// destination's keys, so the destination holds the same generations: same subject, number,
/// time, host, paths, tags and summary, the parent mapped to the destination's copy of it,
/// and an `origin` naming the source repository and generation. Copying again copies
/// nothing twice; a copy interrupted midway resumes, deduplicating against what it wrote.
///
/// Both repositories should be locked (shared) by the caller, as for a backup.
public final class GenerationCopier {
    private let source: Repository
    private let destination: Repository
    private let trees: TreeCopier

    public init(source: Repository, destination: Repository) throws {
        guard source.config.id != destination.config.id else {
            throw CopyError.sameRepository(destination.backend.location)
        }
        try source.require(.readContents)
        try destination.require(.writeGenerations)
        self.source = source
        self.destination = destination
        trees = TreeCopier(source: source, destination: destination)
    }

    /// Copies every generation of `subject` the destination does not hold yet (for `kura run`:
    /// a subject's new generations to its second repository). A subject without generations
    /// copies nothing.
    @discardableResult
    public func copy(subject: String, onCopied: (CopiedGeneration) -> Void = { _ in }) async throws -> CopyReport {
        let (sourceGenerations, destinationGenerations) = try await listBoth()
        var plan = try makePlan(sourceGenerations.filter { $0.generation.subject == subject }, destination: destinationGenerations)
        plan.sourceGenerations = sourceGenerations
        return try await run(plan, onCopied: onCopied)
    }

    /// Which of the selected source generations the destination lacks. Throws `numberTaken`
    /// when the destination has one of their numbers for a generation that is not their copy.
    public func plan(_ selection: CopySelection) async throws -> CopyPlan {
        let (sourceGenerations, destinationGenerations) = try await listBoth()
        var chosen: [GenerationID: StoredGeneration] = [:]
        for subject in selection.subjects {
            let matching = sourceGenerations.filter { $0.generation.subject == subject }
            guard !matching.isEmpty else {
                throw CopyError.noGenerations(subject: subject, source: source.backend.location)
            }
            for stored in matching { chosen[stored.id] = stored }
        }
        for name in selection.generations {
            let stored: StoredGeneration
            do {
                stored = try source.resolveGeneration(name, in: sourceGenerations)
            } catch let error as RepositoryError {
                throw CopyError.inSource(location: source.backend.location, error: error)
            }
            chosen[stored.id] = stored
        }
        let selected = selection.subjects.isEmpty && selection.generations.isEmpty ? sourceGenerations : Array(chosen.values)
        var plan = try makePlan(selected, destination: destinationGenerations)
        plan.sourceGenerations = sourceGenerations
        return plan
    }

    /// Copies the plan's pending generations in order; `onCopied` hears of each as it is
    /// saved. A failure stops the run: generations copied before it stay, the failed one
    /// leaves no record in the destination. The destination's audit log gets one `copy`
    /// entry naming the source and what was copied.
    public func run(_ plan: CopyPlan, onCopied: (CopiedGeneration) -> Void = { _ in },
                    onProgress: @escaping (StoredGeneration, CopyStatistics) -> Void = { _, _ in }) async throws -> CopyReport {
        var report = CopyReport()
        report.alreadyPresent = plan.present.count
        var copies: [GenerationID: StoredGeneration] = [:]
        for (source, destination) in plan.present { copies[source.id] = destination }
        var bySubject: [String: [StoredGeneration]] = [:]
        for stored in plan.destinationGenerations { bySubject[stored.generation.subject, default: []].append(stored) }
        let sourceByID = Dictionary(plan.sourceGenerations.map { ($0.id, $0) }) { first, _ in first }

        for stored in plan.pending {
            let started = Date()
            trees.resetStatistics()
            let storedBefore = destination.storedBytes
            let hint = Self.hint(for: stored, copies: copies, sources: sourceByID)
            trees.onProgress = { onProgress(stored, $0) }
            let root = try await trees.copyTree(stored.generation.tree, hint: hint)
            try await trees.flush()
            let ofSubject = bySubject[stored.generation.subject] ?? []
            let parent = stored.generation.parent.flatMap { copies[$0] }
                ?? ofSubject.filter { $0.generation.number < stored.generation.number }
                    .max { $0.generation.number < $1.generation.number }
            var record = stored.generation
            record.tree = root
            record.parent = parent?.id
            record.origin = GenerationOrigin(repository: source.config.id, generation: stored.id)
            record.writer = destination.keySlot.id
            let id = try await inDestination { try await destination.save(record) }
            let copy = StoredGeneration(id: id, generation: record)
            copies[stored.id] = copy
            bySubject[record.subject, default: []].append(copy)
            var statistics = trees.statistics
            statistics.storedBytes = destination.storedBytes - storedBefore
            statistics.seconds = Date().timeIntervalSince(started)
            let copied = CopiedGeneration(source: stored, destination: copy, statistics: statistics)
            report.copied.append(copied)
            report.totals.add(statistics)
            onCopied(copied)
        }
        if !report.copied.isEmpty {
            let names = report.copied.map { "\($0.destination.name) \($0.destination.id.short)" }
            _ = try await inDestination {
                try await destination.appendAudit("copy", details: [
                    "from": source.config.id.hex, "location": source.backend.location,
                    "generations": names.joined(separator: ", "),
                ])
            }
        }
        return report
    }

    private func listBoth() async throws -> (source: [StoredGeneration], destination: [StoredGeneration]) {
        let (sourceGenerations, damaged) = try await inSource { try await source.generations() }
        unreadableSource = damaged.map { (name: "generation \($0.0.prefix(8))", error: $0.1) }
        let destinationGenerations = try await inDestination { try await destination.generations().valid }
        return (sourceGenerations, destinationGenerations)
    }

    private var unreadableSource: [(name: String, error: RepositoryError)] = []

    private func makePlan(_ selected: [StoredGeneration], destination generations: [StoredGeneration]) throws -> CopyPlan {
        var byOrigin: [GenerationOrigin: StoredGeneration] = [:]
        var byName: [String: StoredGeneration] = [:]
        var byID: [GenerationID: StoredGeneration] = [:]
        for stored in generations {
            if let origin = stored.generation.origin { byOrigin[origin] = stored }
            byName[stored.name] = stored
            byID[stored.id] = stored
        }
        var plan = CopyPlan(pending: [], present: [])
        plan.destinationGenerations = generations
        plan.unreadable = unreadableSource
        let ordered = selected.sorted {
            ($0.generation.subject, $0.generation.number, $0.id) < ($1.generation.subject, $1.generation.number, $1.id)
        }
        for stored in ordered {
            if let copy = byOrigin[GenerationOrigin(repository: source.config.id, generation: stored.id)] {
                plan.present.append((stored, copy))
            } else if let origin = stored.generation.origin, origin.repository == destination.config.id,
                      let original = byID[origin.generation] {
                // A copy of one of the destination's own generations: it is there already.
                plan.present.append((stored, original))
            } else if let taken = byName[stored.name] {
                throw CopyError.numberTaken(name: stored.name, destination: "\(destination.backend.location) (\(taken.id.short))",
                                            source: "\(source.backend.location) (\(stored.id.short))")
            } else {
                plan.pending.append(stored)
            }
        }
        return plan
    }

    /// The earlier generation of the subject that is already copied, nearest below this one
    /// (the parent when it was copied), with its copy: unchanged subtrees are taken over from it.
    private static func hint(for stored: StoredGeneration, copies: [GenerationID: StoredGeneration],
                             sources: [GenerationID: StoredGeneration]) -> TreeCopyHint? {
        if let parent = stored.generation.parent, let copy = copies[parent], let original = sources[parent] {
            return TreeCopyHint(sourceTree: original.generation.tree, destinationTree: copy.generation.tree)
        }
        let candidates = copies.compactMap { entry -> (original: StoredGeneration, copy: StoredGeneration)? in
            guard let original = sources[entry.key], original.generation.subject == stored.generation.subject else { return nil }
            return (original, entry.value)
        }
        let below = candidates.filter { $0.original.generation.number < stored.generation.number }
        guard let nearest = (below.isEmpty ? candidates : below)
            .max(by: { $0.original.generation.number < $1.original.generation.number }) else { return nil }
        return TreeCopyHint(sourceTree: nearest.original.generation.tree, destinationTree: nearest.copy.generation.tree)
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
}
