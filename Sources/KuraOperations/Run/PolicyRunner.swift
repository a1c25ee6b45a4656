import Foundation
import KuraEngine
import KuraRepository

/// What `kura run` does, once: in priority order, for each subject of the policy, back it up
/// when its RPO is due, copy its generations to its other repositories, apply retention, and
/// run a drill when one is due; then judge every subject against its RPO and RTO. One
/// failing action is logged and the run goes on with the next.
public final class PolicyRunner {
    /// Opens a repository of the policy (the CLI knows where passwords come from).
    public typealias Opener = (RepositoryPolicy) async throws -> Repository

    public struct Outcome: Sendable {
        /// Actions that failed (each was logged).
        public var failures = 0
        /// "SUBJECT: what is wrong where", for each subject out of its RPO or RTO.
        public var breaches: [String] = []
    }

    /// How often a subject without an RPO is backed up.
    public static let defaultInterval: TimeInterval = 86_400

    let policy: Policy
    let opener: Opener
    let log: (String) -> Void
    /// Where drills make their scratch folders, and who to tell about them (so an
    /// interrupted run can remove one).
    let scratchRoot: String
    let onScratch: (String?) -> Void
    var opened: [String: Repository] = [:]
    var outcome = Outcome()
    /// Repositories where this run forgot generations (prune candidates).
    var forgotIn: Set<String> = []

    public init(policy: Policy, opener: @escaping Opener, scratchRoot: String = ScratchSpace.root(requested: nil),
                onScratch: @escaping (String?) -> Void = { _ in }, log: @escaping (String) -> Void) {
        self.policy = policy
        self.opener = opener
        self.scratchRoot = scratchRoot
        self.onScratch = onScratch
        self.log = log
    }

    /// Runs every subject (or only `only`, when given) and returns what went wrong.
    public func run(only: Set<String>? = nil) async -> Outcome {
        await recordPolicyChanges()
        for subject in policy.subjects where only?.contains(subject.name) ?? true {
            await backUpIfDue(subject)
            await copyToOtherRepositories(subject)
            await applyRetention(subject)
            await drillIfDue(subject)
        }
        await pruneWhereForgotten()
        let report = await StatusReport.gather(policy: policy, now: KuraClock.now, open: repository)
        for subject in report.subjects where only?.contains(subject.name) ?? true {
            outcome.breaches += subject.breaches.map { "\(subject.name): \($0)" }
        }
        return outcome
    }

    // MARK: Actions

    private func backUpIfDue(_ subject: SubjectPolicy) async {
        guard let primary = policy.primaryRepository(of: subject) else { return }
        await attempt(subject, "backup to \(primary.name)") {
            let repository = try await self.repository(primary)
            let newest = try await self.newestGeneration(of: subject.name, in: repository)
            let age = newest.map { KuraClock.now.timeIntervalSince($0.generation.time) }
            guard RPOState.of(age: age, rpo: subject.rpo ?? Self.defaultInterval) != .ok else { return }
            var warnings = 0
            let stored = try await repository.withLock(command: "run: backup \(subject.name)", onWait: log) {
                var options = subject.backupOptions
                var command: CommandStream?
                defer { command?.terminate() }
                if let words = subject.command {
                    let stream = try CommandStream(words)
                    command = stream
                    options.stream = stream.source(filename: subject.stdinFilename ?? "stdin")
                }
                return try await BackupRunner(repository: repository, options: options, onWarning: { message in
                    warnings += 1
                    self.log("\(subject.name): warning: \(message)")
                }).run()
            }
            let summary = stored.generation.summary
            self.log("\(subject.name): backed up \(stored.name) to \(primary.name): \(summary.files) files, "
                     + "\(ByteSize.format(summary.bytes)) (\(ByteSize.format(summary.storedBytes)) new) in "
                     + String(format: "%.1f s", summary.seconds) + (warnings > 0 ? ", \(warnings) warning(s)" : ""))
        }
    }

    // MARK: Helpers

    /// Runs one action, logging its failure and counting it instead of stopping the run.
    func attempt(_ subject: SubjectPolicy, _ action: String, _ body: () async throws -> Void) async {
        do {
            try await body()
        } catch {
            outcome.failures += 1
            log("\(subject.name): \(action) failed: \(error)")
        }
    }

    func repository(_ entry: RepositoryPolicy) async throws -> Repository {
        if let repository = opened[entry.name] { return repository }
        let repository = try await opener(entry)
        opened[entry.name] = repository
        return repository
    }

    func newestGeneration(of subject: String, in repository: Repository) async throws -> StoredGeneration? {
        try await repository.generations().valid.last { $0.generation.subject == subject }
    }
}
