import Foundation
import KuraEngine
import KuraRepository

/// One restore drill of one subject: chooses a sample of the generation, checks the scratch
/// space can hold it, restores it (every entry's metadata, the sample's contents) going on
/// past damage, verifies every restored byte and all metadata, extrapolates the full restore
/// time, removes the scratch data, and records the signed result in the repository (and a
/// "drill" entry in its audit log).
public final class DrillRunner {
    private let repository: Repository
    private let options: DrillOptions
    private let onScratch: (String?) -> Void
    private var warnings: [String] = []

    /// - Parameter onScratch: told the scratch folder once it exists, and nil once it is
    ///   gone, so a signal handler can remove it if the process is interrupted.
    public init(repository: Repository, options: DrillOptions, onScratch: @escaping (String?) -> Void = { _ in }) {
        self.repository = repository
        self.options = options
        self.onScratch = onScratch
    }

    public func run() async throws -> DrillOutcome {
        guard options.sample > 0, options.sample <= 1 else { throw DrillError.badSample("\(options.sample * 100)%") }
        try repository.require(.readContents)
        let stored = try await chooseGeneration()
        let time = KuraClock.now
        let contents = try await GenerationContents.collect(repository, tree: stored.generation.tree)
        let seed = options.seed ?? DrillSample.randomSeed()
        let sample = DrillSample.choose(from: contents.units, fraction: options.sample, seed: seed)
        let need = ScratchSpace.Need.of(sampledBytes: sample.bytes, entries: contents.entries)
        if let shortfall = ScratchSpace.shortfall(need: need, free: try ScratchSpace.free(at: options.scratchRoot),
                                                  root: options.scratchRoot) {
            throw shortfall
        }
        let scratch = try ScratchSpace.create(in: options.scratchRoot, subject: options.subject)
        onScratch(scratch)
        let measured: Measured
        do {
            measured = try await restoreAndVerify(stored, sample: sample, into: scratch)
        } catch {
            try? ScratchSpace.remove(scratch)
            onScratch(nil)
            throw error
        }
        if !options.keepScratch {
            try ScratchSpace.remove(scratch)
            onScratch(nil)
        }
        let record = makeRecord(stored, time: time, sample: sample, measured: measured)
        let id = try await repository.save(record)
        try await repository.appendAudit("drill", details: [
            "generation": "\(options.subject)@\(stored.generation.number)", "drill": id.hex,
            "result": record.mismatches.isEmpty ? (record.breachesRTO ? "rto breached" : "passed") : "damaged",
        ])
        return DrillOutcome(id: id, record: record, keptScratch: options.keepScratch ? scratch : nil,
                            entriesChecked: measured.verification.entries, filesChecked: measured.verification.files,
                            bytesChecked: measured.verification.bytes, holesChecked: measured.verification.holesChecked,
                            warnings: warnings)
    }

    /// The result to sign and store: the measurements, the estimate, and every damaged or
    /// differing path (damage first found by the restore, then differences the verification found).
    private func makeRecord(_ stored: StoredGeneration, time: Date, sample: DrillSample, measured: Measured) -> DrillRecord {
        let estimate = RestoreTimeEstimate.fullSeconds(
            restoreSeconds: measured.restoreSeconds, contentSeconds: measured.restore.contentSeconds,
            timings: measured.restore.fileTimings, sampledFiles: sample.files, sampledBytes: sample.bytes,
            totalFiles: sample.totalFiles, totalBytes: sample.totalBytes)
        let problems = (measured.restore.damaged.map { DamagedEntry(path: $0.path, reason: "damaged: " + $0.reason) }
                        + measured.verification.mismatches)
            .sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        var record = DrillRecord(
            subject: options.subject, generation: stored.id, generationNumber: stored.generation.number, time: time,
            host: options.host, sample: sample.isComplete ? 1 : options.sample, files: sample.files,
            bytes: measured.verification.bytes, totalBytes: sample.totalBytes,
            seconds: measured.restoreSeconds + measured.verifySeconds, estimatedFullSeconds: estimate,
            rtoSeconds: options.rto, mismatches: problems.map { "\($0.path): \($0.reason)" }, writer: repository.keySlot.id)
        record.seed = sample.seed
        record.totalFiles = sample.totalFiles
        record.restoreSeconds = measured.restoreSeconds
        return record
    }

    private struct Measured {
        var restore: RestoreSummary
        var restoreSeconds: Double
        var verification: RestoreVerification
        var verifySeconds: Double
    }

    private func chooseGeneration() async throws -> StoredGeneration {
        let ofSubject = try await repository.generations().valid.filter { $0.generation.subject == options.subject }
        guard let latest = ofSubject.last else { throw DrillError.noGenerations(options.subject) }
        guard let number = options.generation else { return latest }
        guard let chosen = ofSubject.last(where: { $0.generation.number == number }) else {
            throw DrillError.generationNotFound(subject: options.subject, number: number)
        }
        return chosen
    }

    private func restoreAndVerify(_ stored: StoredGeneration, sample: DrillSample, into scratch: String) async throws -> Measured {
        let keys = sample.keys
        let filter: @Sendable (String, Node) -> Bool = { path, node in keys.contains(node.hardlinkKey ?? path) }
        var restoreOptions = RestoreOptions(target: scratch)
        restoreOptions.collectDamage = true
        restoreOptions.contentFilter = sample.isComplete ? nil : filter
        let started = Date()
        let restore = try await Restorer(repository: repository, generation: stored, options: restoreOptions,
                                         onWarning: { self.warnings.append($0) }).run()
        let restoreSeconds = Date().timeIntervalSince(started)
        let verifyStarted = Date()
        let verifier = RestoreVerifier(repository: repository, generation: stored, target: scratch,
                                       contentFilter: restoreOptions.contentFilter,
                                       skipping: Set(restore.damaged.map(\.path)))
        let verification = try await verifier.run()
        return Measured(restore: restore, restoreSeconds: restoreSeconds, verification: verification,
                        verifySeconds: Date().timeIntervalSince(verifyStarted))
    }
}
