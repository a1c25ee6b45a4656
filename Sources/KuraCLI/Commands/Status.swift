import ArgumentParser
import Foundation
import KuraOperations

/// `kura status`: each subject's newest generation against its RPO and last drill against
/// its RTO, as a table, JSON, Prometheus metrics or an HTML page.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show each subject's RPO and RTO against what was achieved.",
        discussion: """
            Reads only generation and drill records, never file contents. Exits 0 when every \
            subject is within its targets and 3 when any is in breach: a newest generation older \
            than the RPO (or none), a last drill that failed or whose restore time is over the RTO, \
            or a repository that cannot be read. A subject is "due" shortly before its RPO \
            (docs/STATUS.md); kura run backs such subjects up.

            Examples:
              kura status
              kura status db --json
              kura status --quiet --prometheus /var/lib/prometheus/node-exporter/kura.prom
              kura status --html /var/www/html/kura.html
            """
    )

    @OptionGroup var repository: RepositoryOptions

    @Argument(help: "Only this subject.")
    var subject: String?

    @Flag(help: "Print a JSON document instead of the table.")
    var json = false

    @Option(help: ArgumentHelp("Write Prometheus metrics to FILE (node_exporter textfile collector), atomically.",
                               valueName: "file"))
    var prometheus: String?

    @Option(help: ArgumentHelp("Write a self-contained HTML report to FILE.", valueName: "file"))
    var html: String?

    @Flag(name: .shortAndLong, help: "Print nothing on standard output (with --prometheus or --html).")
    var quiet = false

    func validate() throws {
        if json, quiet { throw ValidationError("use either --json or --quiet") }
        for (flag, path) in [("--prometheus", prometheus), ("--html", html)] {
            if let path, path.isEmpty || path.hasSuffix("/") { throw ValidationError("\(flag) needs a file name") }
        }
    }

    func run() async throws {
        try await reportingErrors {
            let gathered = try await RecordsGathering.gather(repository, subject: subject)
            let report = try gathered.report(subject: subject)
            if let prometheus {
                try ReportFile.write(PrometheusMetrics(report).text, to: prometheus)
            }
            if let html {
                try ReportFile.write(StatusPage.render(report), to: html)
            }
            if json {
                FileHandle.standardOutput.write(try report.jsonDocument() + Data("\n".utf8))
            } else if !quiet {
                Output.document(report.table())
            }
            if report.inBreach { throw ExitCode(ExitStatus.problemsFound.rawValue) }
        }
    }
}

/// Writes a report file whole or not at all: a temporary file in the same folder, renamed
/// over the target (so node_exporter never reads half a file).
enum ReportFile {
    static func write(_ text: String, to path: String) throws {
        let file = try AtomicOutputFile(path: path, mode: 0o644, overwrite: true)
        try Data(text.utf8).withUnsafeBytes { try file.sink.write($0) }
        try file.commit()
    }
}
