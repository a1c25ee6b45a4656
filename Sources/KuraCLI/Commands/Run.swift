import ArgumentParser
import Foundation
import KuraOperations
import KuraRepository

/// `kura run`: the one command cron or a systemd timer calls every few minutes.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Back up what is due, copy, apply retention and run due drills, as the policy says.",
        discussion: """
            In priority order, for each subject of the policy: a backup when its newest \
            generation is within the safety margin of its RPO (or past it), a copy to its other \
            repositories, retention, and a restore drill when one is due. Logs one line per \
            action on standard output. Two runs for the same policy never work at once: a run \
            that finds another at work exits 0 without doing anything.

            Exit status: 3 when any subject is out of its RPO or RTO afterwards, else 1 when an \
            action failed, else 0. `kura schedule` prints the cron line or systemd units.

            Example:
              kura run --config /etc/kura/kura.toml
            """
    )

    @OptionGroup var repository: RepositoryOptions

    @Option(name: .customLong("subject"), help: "Only this subject (repeatable; default all).")
    var subjects: [String] = []

    func run() async throws {
        try await reportingErrors {
            let policy = try repository.policy.require()
            for name in subjects where policy.subject(named: name) == nil {
                throw PolicyError.unknownSubject(name, file: policy.file)
            }
            let lock: RunLock
            do {
                lock = try RunLock(policyFile: policy.file)
            } catch RunLock.Failure.held(let path, let holder) {
                Self.log(RunLock.Failure.held(path: path, holder: holder).description)
                return
            }
            let options = repository
            let runner = PolicyRunner(policy: policy, opener: { entry in
                try await options.forRepository(entry).open()
            }, onScratch: InterruptCleanup.watchScratch, log: Self.log)
            let outcome = await runner.run(only: subjects.isEmpty ? nil : Set(subjects))
            withExtendedLifetime(lock) {}
            for breach in outcome.breaches { Self.log("breach: \(breach)") }
            if !outcome.breaches.isEmpty { throw ExitCode(ExitStatus.problemsFound.rawValue) }
            if outcome.failures > 0 { throw ExitCode(ExitStatus.failure.rawValue) }
        }
    }

    /// One line, with the time first, for cron mail, log files and the journal.
    static func log(_ line: String) {
        let time = ISO8601DateFormatter().string(from: KuraClock.now)
        Output.line("\(time) \(line)")
        fflush(nil)
    }
}
