import ArgumentParser
import Foundation
import KuraOperations

/// `kura runbook`: the recovery runbook, from the policy and what the repositories hold.
struct RunbookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runbook",
        abstract: "Print the recovery runbook: subjects in restore order, where their data is, the commands to run.",
        discussion: """
            For each subject, by priority: its RPO and RTO, each repository it goes to (primary \
            first) with its newest generation and the keys that can restore from it, the exact \
            commands to list, check and restore (password sources named, never secrets), the last \
            drill and the restore time it predicts, and what to do when the primary is unavailable. \
            A repository that cannot be read is noted in the runbook, named on standard error, and \
            makes the exit code 3.

            Examples:
              kura runbook > /root/RUNBOOK.md
              kura runbook db --format html --output /var/www/html/runbook-db.html
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case markdown, html
    }

    @OptionGroup var repository: RepositoryOptions

    @Argument(help: "Only this subject.")
    var subject: String?

    @Option(help: "markdown (default) or html.")
    var format: Format = .markdown

    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("Write to FILE instead of standard output.", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("The folder the runbook's restore commands restore into, one subfolder per subject (default /srv/restore).",
                               valueName: "dir"))
    var restoreRoot = Runbook.defaultRestoreRoot

    func validate() throws {
        if restoreRoot.isEmpty { throw ValidationError("--restore-root needs a folder") }
        if let output, output.isEmpty || output.hasSuffix("/") { throw ValidationError("--output needs a file name") }
    }

    func run() async throws {
        try await reportingErrors {
            let gathered = try await RecordsGathering.gather(repository, subject: subject)
            let report = try gathered.report(subject: subject)
            let document = Runbook.build(report: report, access: gathered.access, policy: gathered.policy, subject: subject,
                                         restoreRoot: RepositoryOptions.absolute(restoreRoot))
            let text = format == .html ? document.html() : document.markdown()
            if let output {
                try ReportFile.write(text, to: output)
            } else {
                Output.document(text)
            }
            if report.repositories.contains(where: { $0.unreadable != nil }) {
                throw ExitCode(ExitStatus.problemsFound.rawValue)
            }
        }
    }
}
