import ArgumentParser
import Foundation
import KuraOperations
import KuraRepository

/// `kura drill`: restore a generation to scratch space, verify it, time it, record it.
struct Drill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a restore drill: restore, verify and time a generation, and record the result.",
        discussion: """
            Restores the subject's latest generation (or --generation N) into a private folder \
            under the scratch space: every entry with its metadata, and the contents of a \
            random sample of the files (--sample, 10% by default; 100% restores everything). \
            Every restored byte and all metadata are compared with the generation, the full \
            restore time is extrapolated from the sample and held against the RTO, the scratch \
            data is removed, and the signed result is stored in the repository.

            Without SUBJECT, every subject of the policy is drilled in priority order (without \
            a policy file: every subject that has generations). With a policy, the sample and \
            RTO come from the subject's `drill` and `rto` unless --sample and --rto are given.

            Exits 13 when a file is damaged or does not match, 3 when the estimated full \
            restore exceeds the RTO. docs/DRILLS.md explains the sample and the estimate.

            Examples:
              kura drill home
              kura drill home --sample 100% --rto 4h --scratch /srv/scratch
              kura drill etc --generation 12 --seed 4711 --json
              kura drill --list home
            """
    )

    @OptionGroup var repository: RepositoryOptions

    @Argument(help: "The subject to drill (default: every subject).")
    var subject: String?

    @Option(help: "The generation number to restore (default: the latest).")
    var generation: Int?

    @Option(help: "Restore the contents of this share of the files and bytes, e.g. 10% (default: the policy's drill sample, else 10%).")
    var sample: String?

    @Option(help: "The recovery time objective to hold the estimate against, e.g. 30m, 4h, 1h30m (default: the policy's rto).")
    var rto: String?

    @Option(help: "Restore under DIR (else TMPDIR, else /var/tmp).")
    var scratch: String?

    @Flag(help: "Leave the restored sample in the scratch folder for inspection.")
    var keepScratch = false

    @Option(help: "Choose the sample with this seed, to repeat an earlier drill's choice.")
    var seed: UInt64?

    @Flag(help: "List past drills (of SUBJECT, or all) instead of running one.")
    var list = false

    @Flag(help: "Print JSON: one line per drill, or an array with --list.")
    var json = false

    func validate() throws {
        if let sample, DrillSample.fraction(fromPercent: sample) == nil {
            throw ValidationError(DrillError.badSample(sample).description)
        }
        if let rto, Durations.parse(rto) == nil {
            throw ValidationError("--rto \(rto) is not a duration; write it like 90s, 30m, 4h, 1h30m or 2d")
        }
        if let generation {
            guard subject != nil else { throw ValidationError("--generation needs a SUBJECT") }
            guard generation > 0 else { throw ValidationError("--generation takes a generation number (1 or more)") }
        }
        if let seed, seed >= 1 << 53 { throw ValidationError("--seed must be below 2^53") }
        if let subject, subject.isEmpty || subject.contains("@") || subject.contains("/") {
            throw ValidationError("a subject name cannot be empty or contain @ or /; to choose a generation use --generation")
        }
        if list, sample != nil || rto != nil || generation != nil || scratch != nil || keepScratch || seed != nil {
            throw ValidationError("--list only takes SUBJECT and --json")
        }
    }

    func run() async throws {
        try await reportingErrors {
            if list { return try await listDrills() }
            try await runDrills()
        }
    }


    private func runDrills() async throws {
        let policy = try repository.policy.load()
        let subjects = try await subjectsToDrill(policy: policy)
        var worst = ExitStatus.success
        for name in subjects {
            let root = ScratchSpace.root(requested: scratch)
            var options = policy?.subject(named: name).map { DrillOptions(subject: $0, scratchRoot: root) }
                ?? DrillOptions(subject: name, scratchRoot: root)
            if let fraction = sample.flatMap(DrillSample.fraction(fromPercent:)) { options.sample = fraction }
            if let seconds = rto.flatMap(Durations.parse) { options.rto = seconds }
            options.generation = generation
            options.keepScratch = keepScratch
            options.seed = seed
            let outcome: DrillOutcome
            do {
                outcome = try await repository.forSubject(name).withLockedRepository(command: "drill \(name)") { opened in
                    try await DrillRunner(repository: opened, options: options, onScratch: { folder in
                        InterruptCleanup.watchScratch(folder)
                        if let folder, !json, isatty(2) == 1 { Output.error("drilling \(name): restoring into \(folder) …") }
                    }).run()
                }
            } catch where subjects.count > 1 && !(error is ExitCode) {
                // One subject that cannot be drilled does not stop the others.
                Output.error("kura: \(name): \(error)")
                worst = max(worst, .failure)
                continue
            }
            DrillReport.print(outcome, json: json)
            worst = max(worst, DrillReport.status(of: outcome.record))
        }
        if worst != .success { throw ExitCode(worst.rawValue) }
    }

    /// SUBJECT; else the policy's subjects in priority order; else every subject with
    /// generations in the repository, by name.
    private func subjectsToDrill(policy: Policy?) async throws -> [String] {
        if let subject {
            if policy?.subject(named: subject) != nil { return [subject] }
            let opened = try await repository.forSubject(subject).open()
            guard try await opened.generations().valid.contains(where: { $0.generation.subject == subject }) else {
                throw DrillError.unknownSubject(subject)
            }
            return [subject]
        }
        if let policy, !policy.subjects.isEmpty { return policy.subjects.map(\.name) }
        let withGenerations = Set(try await repository.open().generations().valid.map(\.generation.subject))
        guard !withGenerations.isEmpty else { throw DrillError.nothingToDrill }
        return withGenerations.sorted()
    }

    /// Past drills of SUBJECT (from its repository) or of every subject: with a policy, from
    /// each subject's primary repository, else from the repository named.
    private func listDrills() async throws {
        var sources: [RepositoryOptions] = []
        if let subject {
            sources = [try repository.forSubject(subject)]
        } else if let policy = try repository.policy.load() {
            var seen: Set<String> = []
            for entry in policy.subjects {
                let options = try repository.forSubject(entry.name)
                if seen.insert(options.location).inserted { sources.append(options) }
            }
        }
        if sources.isEmpty { sources = [repository] }
        var shown: [StoredDrill] = []
        for source in sources {
            let (all, damaged) = try await source.open().drills()
            shown += all.filter { subject == nil || $0.record.subject == subject }
            for (name, error) in damaged { Output.error("warning: drill record \(name.prefix(8)): \(error)") }
        }
        shown.sort { ($0.record.time, $0.id) < ($1.record.time, $1.id) }
        DrillReport.printList(shown, json: json)
    }
}

extension ExitStatus: Comparable {
    /// Severity for combining several results: damage outranks problems found.
    private var severity: Int {
        switch self {
        case .success: 0
        case .problemsFound: 1
        case .damaged: 3
        default: 2
        }
    }

    static func < (lhs: ExitStatus, rhs: ExitStatus) -> Bool { lhs.severity < rhs.severity }
}
