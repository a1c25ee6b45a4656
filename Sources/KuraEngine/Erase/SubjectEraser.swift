import Foundation
import KuraRepository

/// `erase --subject`: deletes a subject's generation and drill records, then prunes with no
/// unused-space allowance, so that every pack holding a blob only the subject used is deleted
/// or rewritten without it; then records a signed `erase-subject` entry in the audit log and
/// returns it as a certificate (docs/ERASE.md). Blobs shared with other subjects stay.
///
/// Nothing is deleted before every generation and tree has been read: a repository that
/// prune would refuse is refused first. The order (drill records, generation records,
/// prune) keeps every moment crash-safe; a killed erase is finished by running it again
/// (or, once no generation of the subject is left, `kura prune --max-unused 0%`).
public struct SubjectEraser {
    let repository: Repository
    let stepPause: TimeInterval
    let onMessage: (String) -> Void

    public init(repository: Repository, stepPause: TimeInterval = 0, onMessage: @escaping (String) -> Void = { _ in }) {
        self.repository = repository
        self.stepPause = stepPause
        self.onMessage = onMessage
    }

    /// Admin keys only; the same refusal as forget and prune, naming erase.
    public func requireAllowed() throws {
        guard repository.can(.delete) else {
            throw KeyError.roleCannot(role: repository.keySlot.role, action: "erase a subject (admin keys only)")
        }
        try repository.requireCurrentEpoch()
    }

    /// Reads everything and decides; deletes nothing.
    public func plan(subject: String) async throws -> SubjectErasePlan {
        try requireAllowed()
        let (all, damaged) = try await repository.generations()
        if let (name, error) = damaged.first {
            throw PruneError.unreadable("generation \(name.prefix(8)) (\(error))")
        }
        let mine = all.filter { $0.generation.subject == subject }
        guard !mine.isEmpty else { throw EraseError.unknownSubject(subject) }
        var used = ReferencedBlobs()
        try await used.add(mine, from: repository)
        var others = ReferencedBlobs()
        try await others.add(all.filter { $0.generation.subject != subject }, from: repository)
        let unique = used.blobs.subtracting(others.blobs)
        let bytes = unique.reduce(Int64(0)) { $0 + Int64(repository.index.location(of: $1)?.entry.length ?? 0) }
        let drills = try await repository.drills().valid.filter { $0.record.subject == subject }
        return SubjectErasePlan(subject: subject, generations: mine, drills: drills, uniqueBlobs: unique,
                                uniqueBytes: bytes, sharedBlobs: used.blobs.count - unique.count)
    }

    public func erase(_ plan: SubjectErasePlan) async throws -> SubjectErasure {
        try requireAllowed()
        try await repository.requireDeletes(for: "erase")
        try await repository.withLock(command: "erase (records)") {
            // Logged first, so that a crash while deleting leaves no record the log still expects.
            try await repository.appendAudit("erase-subject-records", details: [
                "subject": plan.subject, "generation records": String(plan.generations.count),
                "drill records": String(plan.drills.count),
            ])
            for drill in plan.drills {
                try await repository.delete(drill: drill.id)
                try await pause()
            }
            for stored in plan.generations {
                try await repository.delete(generation: stored.id)
                try await pause()
            }
        }
        let prune = try await Pruner(repository: repository, options: PruneOptions(maxUnused: 0, stepPause: stepPause),
                                     onMessage: onMessage).run()
        let cache = BackupTreeCache.file(repository: repository.config.id, subject: plan.subject)
        let cacheRemoved = (try? FileManager.default.removeItem(at: cache)) != nil ? cache.path : nil
        try await repository.reloadIndex()
        let remaining = plan.uniqueBlobs.filter(repository.index.contains).count

        let names = plan.generations.map { "\($0.name) \($0.id.hex)" }
        var details = [
            "subject": plan.subject,
            "generation records": String(plan.generations.count),
            "generations": names.prefix(200).joined(separator: ", ") + (names.count > 200 ? ", …" : ""),
            "drill records": String(plan.drills.count),
            "packs deleted": String(prune.deadPacks + prune.repackedPacks + prune.leftoverPacks),
            "packs rewritten": String(prune.repackedPacks),
            "packs written": String(prune.newPacks),
            "blobs removed": String(plan.uniqueBlobs.count - remaining),
            "bytes removed": String(plan.uniqueBytes),
            "bytes freed": String(prune.bytesFreed),
            "shared blobs kept": String(plan.sharedBlobs),
        ]
        if remaining > 0 { details["blobs still stored"] = String(remaining) }
        let entry = try await repository.appendAudit("erase-subject", details: details)

        let certificate = try repository.certify([
            "action": "erase-subject",
            "subject": plan.subject,
            "time": KuraTime.format(entry.entry.time),
            "host": entry.entry.host,
            "auditEntry": ["sequence": entry.entry.sequence, "id": entry.id.hex],
            "generations": plan.generations.map {
                ["number": $0.generation.number, "id": $0.id.hex, "time": KuraTime.format($0.generation.time)] as [String: Any]
            },
            "counts": [
                "generationRecords": plan.generations.count, "drillRecords": plan.drills.count,
                "packsDeleted": prune.deadPacks + prune.repackedPacks + prune.leftoverPacks,
                "packsRewritten": prune.repackedPacks, "packsWritten": prune.newPacks,
                "blobsRemoved": plan.uniqueBlobs.count - remaining, "bytesRemoved": plan.uniqueBytes,
                "bytesFreed": prune.bytesFreed, "sharedBlobsKept": plan.sharedBlobs, "blobsStillStored": remaining,
            ],
        ])
        return SubjectErasure(plan: plan, prune: prune, blobsStillStored: remaining, treeCacheRemoved: cacheRemoved,
                              treeCacheName: cache.lastPathComponent,
                              auditEntry: entry, certificate: certificate)
    }

    private func pause() async throws {
        if stepPause > 0 { try await Task.sleep(nanoseconds: UInt64(stepPause * 1_000_000_000)) }
    }
}
