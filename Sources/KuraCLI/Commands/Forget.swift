import ArgumentParser
import Foundation
import KuraEngine
import KuraOperations
import KuraRepository

/// `kura forget`: drop generations that no keep rule keeps (restic's rules).
struct Forget: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove generations that no keep rule keeps (their data goes with `kura prune`).",
        discussion: """
            Rules apply to each subject's generations on their own; a generation is kept when any \
            rule keeps it, and the listing says which. Hourly, daily, weekly (ISO, Monday first), \
            monthly and yearly rules keep the newest generation of each of the last N hours, days, \
            weeks, months or years that have one, in UTC. --keep-within keeps everything younger \
            than SPAN (y, mo, w, d, h, min, s; calendar months and years) measured from the subject's \
            newest generation; --keep-within-daily SPAN (and -hourly, -weekly, -monthly, -yearly) \
            keeps the newest generation of each day inside SPAN. A count \
            may be `unlimited`. Without any rule nothing is removed: forget refuses to run. \
            docs/RETENTION.md has the details and the differences from restic.

            Examples:
              kura forget --keep-daily 7 --keep-weekly 5 --keep-monthly 12 --dry-run
              kura forget --subject home --keep-last 3 --keep-within 2d --prune
              kura forget --keep-yearly unlimited --keep-monthly 24 --json
            """
    )

    @OptionGroup var repository: RepositoryOptions

    @Option(help: ArgumentHelp("Only this subject's generations.", valueName: "SUBJECT"))
    var subject: String?

    @Option(name: .customLong("keep-last"), help: ArgumentHelp("Keep the N newest generations.", valueName: "N"))
    var last: KeepCount?
    @Option(name: .customLong("keep-hourly"),
            help: ArgumentHelp("Keep the newest generation of each of the last N hours that have one.", valueName: "N"))
    var hourly: KeepCount?
    @Option(name: .customLong("keep-daily"), help: ArgumentHelp("… of the last N days.", valueName: "N"))
    var daily: KeepCount?
    @Option(name: .customLong("keep-weekly"), help: ArgumentHelp("… of the last N ISO weeks.", valueName: "N"))
    var weekly: KeepCount?
    @Option(name: .customLong("keep-monthly"), help: ArgumentHelp("… of the last N months.", valueName: "N"))
    var monthly: KeepCount?
    @Option(name: .customLong("keep-yearly"), help: ArgumentHelp("… of the last N years.", valueName: "N"))
    var yearly: KeepCount?
    @Option(name: .customLong("keep-within"),
            help: ArgumentHelp("Keep generations younger than SPAN before the newest (e.g. 36h, 2w, 6mo, 1y; m alone is refused: mo or min).",
                               valueName: "SPAN"))
    var within: String?
    @Option(name: .customLong("keep-within-hourly"),
            help: ArgumentHelp("Keep the newest generation of each hour younger than SPAN before the newest.", valueName: "SPAN"))
    var withinHourly: String?
    @Option(name: .customLong("keep-within-daily"), help: ArgumentHelp("… of each day younger than SPAN.", valueName: "SPAN"))
    var withinDaily: String?
    @Option(name: .customLong("keep-within-weekly"), help: ArgumentHelp("… of each ISO week younger than SPAN.", valueName: "SPAN"))
    var withinWeekly: String?
    @Option(name: .customLong("keep-within-monthly"), help: ArgumentHelp("… of each month younger than SPAN.", valueName: "SPAN"))
    var withinMonthly: String?
    @Option(name: .customLong("keep-within-yearly"), help: ArgumentHelp("… of each year younger than SPAN.", valueName: "SPAN"))
    var withinYearly: String?

    /// The keep-within-BUCKET flags given, by rule.
    private var withinBucketTexts: [(rule: BucketRule, text: String)] {
        [(BucketRule.hourly, withinHourly), (.daily, withinDaily), (.weekly, withinWeekly),
         (.monthly, withinMonthly), (.yearly, withinYearly)].compactMap { pair in pair.1.map { (pair.0, $0) } }
    }

    @Flag(help: "Use each subject's `keep` rules from the policy file instead of flags.")
    var policy = false

    @Flag(help: "Show what would be removed; change nothing.")
    var dryRun = false

    @Flag(help: "Run `kura prune` afterwards when generations were removed.")
    var prune = false

    @Option(help: ArgumentHelp("With --prune: as `kura prune --max-unused`.", valueName: "PERCENT"))
    var maxUnused: String = "5%"

    @Flag(help: "Print JSON.")
    var json = false

    var rules: KeepRules {
        KeepRules(last: last?.value, hourly: hourly?.value, daily: daily?.value, weekly: weekly?.value,
                  monthly: monthly?.value, yearly: yearly?.value, within: within.flatMap { try? KeepWithin(parsing: $0) },
                  withinBuckets: Dictionary(withinBucketTexts.compactMap { pair in
                      (try? KeepWithin(parsing: pair.text)).map { (pair.rule, $0) } }) { $1 })
    }

    func validate() throws {
        if let within {
            do { _ = try KeepWithin(parsing: within) } catch { throw ValidationError("--\(error)") }
        }
        for (rule, text) in withinBucketTexts {
            do { _ = try KeepWithin(parsing: text) } catch {
                throw ValidationError("--\(error)".replacingOccurrences(of: "keep-within", with: "keep-within-\(rule.rawValue)"))
            }
        }
        if policy {
            if !rules.isEmpty { throw ValidationError("use either --policy or --keep-* flags, not both") }
        } else if !rules.hasAnyRule {
            throw ValidationError(RetentionError.noRule.description)
        }
        _ = try Prune.parseMaxUnused(maxUnused)
    }

    func run() async throws {
        try await reportingErrors {
            var results: [(repository: String?, outcome: Forgetter.Outcome, prune: PruneReport?)] = []
            let targets = try self.targets()
            var skipped: RetentionError?
            for target in targets {
                do {
                    let result = try await forget(in: target.options, repository: target.name)
                    results.append(result)
                    if !json { Self.printResult(result, dryRun: dryRun) }
                } catch let error as RetentionError where targets.count > 1 && error != .noRule {
                    // A copy repository may not hold the subject yet, or only subjects without rules.
                    skipped = skipped ?? error
                }
            }
            if results.isEmpty, let skipped { throw skipped }
            if json {
                let subjects = results.flatMap { result in
                    result.outcome.subjects.map { Self.json($0).merging(["repository": result.repository ?? NSNull()]) { $1 } }
                }
                var object: [String: Any] = ["dry_run": dryRun, "removed": results.reduce(0) { $0 + $1.outcome.removedCount },
                                             "subjects": subjects]
                let prunes = results.compactMap { result in result.prune.map { (result.repository, $0) } }
                if prunes.count == 1, prunes[0].0 == nil { object["prune"] = Prune.json(prunes[0].1) }
                if prunes.contains(where: { $0.0 != nil }) {
                    object["prune"] = prunes.map { Prune.json($0.1).merging(["repository": $0.0 ?? NSNull()]) { $1 } }
                }
                print(try Output.prettyJSON(object))
            }
            for result in results {
                for name in result.outcome.damaged { Output.error("warning: generation \(name) cannot be read and was left alone") }
            }
        }
    }

    /// The repositories to work in: with --policy and no repository named, every repository
    /// of the policy that the subjects (or --subject) go to, copies included; else the one named
    /// (or the primary repository of --subject).
    func targets() throws -> [(name: String?, options: RepositoryOptions)] {
        // Without --policy, as every subject command: --subject S works in S's primary repository.
        guard policy else { return [(nil, try subject.map(repository.forSubject) ?? repository)] }
        guard let loaded = try? repository.policy.require() else { return [(nil, repository)] }
        if repository.isNamedOutsidePolicy { return [(nil, repository)] }
        var subjects = loaded.subjects
        if let subject {
            guard let entry = loaded.subject(named: subject) else {
                throw RetentionError.subjectNotInPolicy(subject, file: loaded.file)
            }
            subjects = [entry]
        }
        let names = Set(subjects.flatMap(\.repositories)).sorted()
        let entries = names.compactMap { loaded.repositories[$0] }
        if entries.count <= 1 { return [(entries.first?.name, entries.first.map(repository.forRepository) ?? repository)] }
        return entries.map { ($0.name, repository.forRepository($0)) }
    }

    private func forget(in options: RepositoryOptions, repository name: String?) async throws
        -> (repository: String?, outcome: Forgetter.Outcome, prune: PruneReport?) {
        let source: RetentionRules = policy ? .policy(try options.policy.require()) : .same(rules)
        let opened = try await options.open()
        let outcome = try await opened.withLock(command: "forget") {
            try await Forgetter(repository: opened).run(subject: subject, rules: source, dryRun: dryRun)
        }
        guard prune, outcome.removedCount > 0 else { return (name, outcome, nil) }
        let pruneOptions = PruneOptions(dryRun: dryRun, maxUnused: try Prune.parseMaxUnused(maxUnused),
                                        stepPause: Prune.testStepPause)
        let report = try await Pruner(repository: opened, options: pruneOptions,
                                      onMessage: { if !json { Output.error($0) } }).run()
        return (name, outcome, report)
    }

    static func printResult(_ result: (repository: String?, outcome: Forgetter.Outcome, prune: PruneReport?), dryRun: Bool) {
        if let name = result.repository { Output.line("repository \(name):") }
        for subject in result.outcome.subjects { printOutcome(subject, dryRun: dryRun) }
        if let report = result.prune { Prune.printReport(report) }
    }

    static func printOutcome(_ outcome: Forgetter.SubjectOutcome, dryRun: Bool) {
        let retention = outcome.retention
        guard outcome.rules.hasAnyRule else {
            Output.line("\(retention.subject): no keep rule; all \(retention.unchanged.count) generation(s) left alone")
            return
        }
        Output.line("\(retention.subject) (keep \(outcome.rules.summary)):")
        let rows = (retention.kept + retention.removed).sorted { $0.candidate.time > $1.candidate.time }
        for decision in rows {
            let candidate = decision.candidate
            let action = decision.reasons.isEmpty ? (dryRun ? "would remove" : "remove") : "keep"
            let time = String(KuraTime.format(candidate.time).prefix(19)).replacingOccurrences(of: "T", with: " ")
            Output.line("  " + action.padding(toLength: 13, withPad: " ", startingAt: 0)
                        + String(candidate.id.prefix(8)) + "  " + candidate.name.padding(toLength: 20, withPad: " ", startingAt: 0)
                        + time + (decision.reasons.isEmpty ? "" : "  " + decision.reasons.map(\.description).joined(separator: ", ")))
        }
        Output.line("\(retention.subject): \(retention.kept.count) kept, \(retention.removed.count) "
                    + (dryRun ? "would be removed" : "removed"))
    }

    static func json(_ outcome: Forgetter.SubjectOutcome) -> [String: Any] {
        func entry(_ decision: RetentionDecision) -> [String: Any] {
            ["id": decision.candidate.id, "name": decision.candidate.name, "number": decision.candidate.number,
             "time": KuraTime.format(decision.candidate.time), "reasons": decision.reasons.map(\.description)]
        }
        let retention = outcome.retention
        return ["subject": retention.subject, "rules": outcome.rules.summary, "keep": retention.kept.map(entry),
                "remove": retention.removed.map(entry), "untouched": retention.unchanged.map(entry)]
    }
}

/// A keep count: a number of at least 0, or `unlimited`.
struct KeepCount: ExpressibleByArgument {
    let value: Int

    init?(argument: String) {
        if argument == "unlimited" {
            value = Int.max
        } else if let number = Int(argument), number >= 0, number <= 1_000_000 {
            value = number
        } else {
            return nil
        }
    }

    static var defaultValueDescription: String { "N" }
}
