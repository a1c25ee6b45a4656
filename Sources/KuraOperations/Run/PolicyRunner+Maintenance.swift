import Foundation
import KuraEngine
import KuraRepository

/// The actions of `kura run` besides the backup: recording policy changes, copies,
/// retention, drills and prune.
extension PolicyRunner {
    /// Appends a "policy" entry to the audit log of each repository of the policy whose last
    /// such entry names another version of the file (by its SHA-256), so every change of
    /// targets, retention or schedule is on record before it takes effect.
    func recordPolicyChanges() async {
        for entry in policy.repositories.values.sorted(by: { $0.name < $1.name }) {
            guard let repository = try? await repository(entry) else { continue }
            do {
                let last = try await repository.auditLog().entries.last { $0.entry.action == "policy" }
                guard last?.entry.details["digest"] != policy.digest else { continue }
                try await repository.appendAudit("policy", details: [
                    "file": policy.file, "digest": policy.digest, "subjects": policy.subjects.map(\.name).joined(separator: " "),
                ])
                log("\(entry.name): policy \(last == nil ? "recorded" : "change recorded") (sha256 \(policy.digest.prefix(12)))")
            } catch {
                outcome.failures += 1
                log("\(entry.name): recording the policy failed: \(error)")
            }
        }
    }

    /// Copies the subject's generations that its other repositories lack from its primary.
    func copyToOtherRepositories(_ subject: SubjectPolicy) async {
        guard let primary = policy.primaryRepository(of: subject) else { return }
        for name in subject.repositories.dropFirst() {
            guard let entry = policy.repositories[name] else { continue }
            await attempt(subject, "copy to \(name)") {
                let source = try await self.repository(primary)
                let destination = try await self.repository(entry)
                let command = "run: copy \(subject.name)"
                let report = try await source.withLock(command: command) {
                    try await destination.withLock(command: command) {
                        try await GenerationCopier(source: source, destination: destination).copy(subject: subject.name)
                    }
                }
                guard !report.copied.isEmpty else { return }
                self.log("\(subject.name): copied " + report.copied.map(\.destination.name).joined(separator: ", ")
                         + " to \(name): \(ByteSize.format(report.totals.bytesRead)) read, "
                         + "\(ByteSize.format(report.totals.storedBytes)) new in " + String(format: "%.1f s", report.totals.seconds))
            }
        }
    }

    /// Applies the subject's `keep` rules in every repository it goes to.
    func applyRetention(_ subject: SubjectPolicy) async {
        guard subject.keep.hasAnyRule else { return }
        for name in subject.repositories {
            guard let entry = policy.repositories[name] else { continue }
            await attempt(subject, "retention in \(name)") {
                let repository = try await self.repository(entry)
                guard try await self.newestGeneration(of: subject.name, in: repository) != nil else { return }
                guard repository.can(.delete) else {
                    return self.log("\(subject.name): retention in \(name) skipped: a \(repository.keySlot.role.rawValue) key cannot forget")
                }
                let result = try await repository.withLock(command: "run: forget \(subject.name)") {
                    try await Forgetter(repository: repository).run(subject: subject.name, rules: .policy(self.policy), dryRun: false)
                }
                guard result.removedCount > 0 else { return }
                self.forgotIn.insert(name)
                let removed = result.subjects.flatMap { $0.retention.removed.map(\.candidate.name) }
                let kept = result.subjects.reduce(0) { $0 + $1.retention.kept.count }
                self.log("\(subject.name): forgot \(removed.count) generation(s) in \(name) ("
                         + removed.prefix(5).joined(separator: ", ") + (removed.count > 5 ? ", …" : "") + "); \(kept) kept")
            }
        }
    }

    /// Runs a drill of the subject's latest generation in its primary repository when its
    /// `drill.every` has passed since the last one.
    func drillIfDue(_ subject: SubjectPolicy) async {
        guard let drill = subject.drill, let primary = policy.primaryRepository(of: subject) else { return }
        await attempt(subject, "drill in \(primary.name)") {
            let repository = try await self.repository(primary)
            guard try await self.newestGeneration(of: subject.name, in: repository) != nil else { return }
            guard repository.can(.readContents) else {
                return self.log("\(subject.name): drill in \(primary.name) skipped: a \(repository.keySlot.role.rawValue) key cannot restore")
            }
            let records = try await repository.drills().valid.map(\.record)
            let last = DrillSchedule.latestBySubject(records)[subject.name]
            guard DrillSchedule.isDue(drill, last: last, at: KuraClock.now) else { return }
            let result = try await repository.withLock(command: "run: drill \(subject.name)") {
                try await DrillRunner(repository: repository, options: DrillOptions(subject: subject, scratchRoot: self.scratchRoot),
                                      onScratch: self.onScratch).run()
            }
            let record = result.record
            let verdict = !record.mismatches.isEmpty ? "FAILED, \(record.mismatches.count) file(s) damaged or different"
                : record.breachesRTO ? "over the RTO" : "passed"
            self.log("\(subject.name): drill of \(subject.name)@\(record.generationNumber) \(verdict): \(record.files) file(s), "
                     + "\(ByteSize.format(record.bytes)) verified in " + String(format: "%.1f s", record.seconds)
                     + "; full restore estimated \(Durations.format(record.estimatedFullSeconds))"
                     + (record.rtoSeconds.map { " (RTO \(Durations.format($0)))" } ?? ""))
        }
    }

    /// Prunes each repository where this run forgot generations, unless the audit log shows
    /// a prune within the repository's `prune-every` (default a day).
    func pruneWhereForgotten() async {
        for name in forgotIn.sorted() {
            guard let entry = policy.repositories[name], let repository = opened[name] else { continue }
            do {
                let lastPrune = try await repository.auditLog().entries.last { $0.entry.action == "prune" }?.entry.time
                if let lastPrune, KuraClock.now.timeIntervalSince(lastPrune) < entry.pruneEvery { continue }
                let report = try await Pruner(repository: repository, options: PruneOptions(lockWait: 600)).run()
                log("\(name): pruned: \(report.deadPacks + report.leftoverPacks) pack(s) deleted, "
                    + "\(report.repackedPacks) repacked, \(ByteSize.format(report.bytesFreed)) freed")
            } catch {
                outcome.failures += 1
                log("\(name): prune failed: \(error)")
            }
        }
    }
}
