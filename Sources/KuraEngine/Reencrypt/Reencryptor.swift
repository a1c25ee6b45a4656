import Foundation
import KuraRepository

/// What `kura key rotate --reencrypt` did.
public struct ReencryptReport: Sendable {
    public var epoch = 0
    /// Whether it went on with an interrupted re-encryption instead of rotating again.
    public var resumed = false
    public var packsRewritten = 0
    public var packsWritten = 0
    public var bytesWritten: Int64 = 0
    public var leftoverPacksDeleted = 0
    public var unreadablePacks: [PackID] = []
    public var indexFilesReplaced = 0
    public var recordsWrapped = 0
}

/// Re-encrypts a repository into its newest key epoch (docs/KEYS.md, "Rotation"): every pack
/// sealed under an older epoch is copied into new packs, the index is written again, the
/// records are wrapped, and the older epochs' data keys are dropped from every envelope.
///
/// Each step is safe to interrupt: new packs are indexed before old ones are deleted, and a
/// second run skips what is already in the newest epoch, so running it again resumes.
public struct Reencryptor {
    let repository: Repository
    let onProgress: (String) -> Void
    /// Old packs copied between index files written (a crash loses at most this much work).
    let packsPerStep: Int
    /// A pause after each step, for crash tests that kill it between steps.
    let stepPause: TimeInterval

    public init(repository: Repository, packsPerStep: Int = 16, stepPause: TimeInterval = 0,
                onProgress: @escaping (String) -> Void = { _ in }) {
        self.repository = repository
        self.packsPerStep = max(packsPerStep, 1)
        self.stepPause = stepPause
        self.onProgress = onProgress
    }

    /// Rotates to a new epoch, or resumes a re-encryption the audit log shows unfinished,
    /// then re-encrypts everything into that epoch.
    public func rotateAndReencrypt() async throws -> ReencryptReport {
        try repository.require(.manageKeys)
        var report = ReencryptReport()
        if let pending = try await unfinishedEpoch(), pending == repository.keyEpoch.repository, pending == repository.keyEpoch.own {
            report.epoch = pending
            report.resumed = true
            onProgress("resuming the re-encryption into key epoch \(pending)")
        } else {
            report.epoch = try await repository.rotateKeys(reencrypt: true).epoch
        }
        let started = Date()
        try await repository.withLock(exclusive: true, command: "key rotate --reencrypt") {
            try await rewritePacks(&report)
            report.recordsWrapped = try await repository.wrapRecordsInNewestEpoch()
            try await repository.dropOlderDataKeys()
        }
        try await repository.appendAudit("key-reencrypt", details: [
            "epoch": String(report.epoch), "packs-rewritten": String(report.packsRewritten),
            "records-wrapped": String(report.recordsWrapped), "resumed": report.resumed ? "yes" : "no",
            "seconds": String(format: "%.1f", Date().timeIntervalSince(started)),
        ])
        return report
    }

    /// The epoch of the newest `key-rotate` entry that started a re-encryption no
    /// `key-reencrypt` entry has finished.
    private func unfinishedEpoch() async throws -> Int? {
        let entries = try await repository.auditLog().entries.map(\.entry)
        guard let rotation = entries.last(where: { $0.action == "key-rotate" }), rotation.details["reencrypt"] == "started",
              let epoch = rotation.details["epoch"].flatMap(Int.init) else { return nil }
        let finished = entries.contains { $0.sequence > rotation.sequence && $0.action == "key-reencrypt" && $0.details["epoch"] == String(epoch) }
        return finished ? nil : epoch
    }

    private func rewritePacks(_ report: inout ReencryptReport) async throws {
        let indexFiles = try await repository.indexFileIDs()
        var indexed: [PackID: [PackEntry]] = [:]
        for id in indexFiles {
            for (pack, entries) in try await repository.readIndexFile(id).packs { indexed[pack, default: []] += entries }
        }
        var current: [PackID: [PackEntry]] = [:]
        var old: [PackID] = []
        for (pack, entries) in indexed {
            switch try await repository.epoch(ofPack: pack) {
            case .newest: current[pack] = entries
            case .older: old.append(pack)
            case .unreadable: report.unreadablePacks.append(pack)
            }
        }
        var present = Set(current.values.flatMap { $0.map(\.id) })
        var written: [IndexID] = []
        old.sort()
        for start in stride(from: 0, to: old.count, by: packsPerStep) {
            let step = old[start..<min(start + packsPerStep, old.count)]
            var blobs: [BlobID] = []
            for pack in step {
                for entry in indexed[pack] ?? [] where present.insert(entry.id).inserted { blobs.append(entry.id) }
            }
            let repacked = try await repository.repack(blobs)
            if !repacked.isEmpty {
                let packs = Dictionary(uniqueKeysWithValues: repacked.map { ($0.id, $0.entries) })
                written.append(try await repository.writeIndexFile(packs: packs))
                current.merge(packs) { first, _ in first }
            }
            report.packsRewritten += step.count
            report.packsWritten += repacked.count
            report.bytesWritten += Int64(repacked.reduce(0) { $0 + $1.size })
            onProgress("re-encrypted \(min(start + packsPerStep, old.count)) of \(old.count) packs")
            if stepPause > 0 { try await Task.sleep(nanoseconds: UInt64(stepPause * 1_000_000_000)) }
        }
        // One index file in the newest epoch names every pack that stays; then the old
        // index files go, and only then the old packs.
        for pack in report.unreadablePacks { current[pack] = indexed[pack] }
        let final = try await repository.writeIndexFile(packs: current)
        for id in indexFiles.union(written) where id != final {
            try await repository.deleteIndexFile(id)
            report.indexFilesReplaced += 1
        }
        for pack in old { try await repository.deletePack(pack) }
        // Packs no index names (left by an interrupted backup or run) go too if they are
        // sealed under an older epoch: nothing uses them, and a removed key could read them.
        for pack in try await repository.storedPacks().keys where current[pack] == nil && indexed[pack] == nil {
            if try await repository.epoch(ofPack: pack) == .older {
                try await repository.deletePack(pack)
                report.leftoverPacksDeleted += 1
            }
        }
        try await repository.reloadIndex()
    }
}
