import ArgumentParser
import Foundation
import KuraEngine
import KuraRepository

/// `kura restore`: files of a generation back onto disk.
struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restore a generation (or part of it) under a target folder.",
        discussion: """
            Files are recreated under the target with their full original paths, contents \
            verified as they are read, metadata exact. Existing files are not replaced unless \
            --overwrite is given.

            Examples:
              kura restore home@latest --target /srv/restore
              kura restore home@12 --target /tmp/r --verify /home/alice/documents
            """
    )

    @OptionGroup var repository: RepositoryOptions

    @Argument(help: "The generation: SUBJECT@N, SUBJECT@latest, SUBJECT or an ID prefix.")
    var generation: String

    @Option(help: "The folder to restore into.")
    var target: String

    @Option(name: .customLong("include"), help: "Restore only entries matching GLOB (repeatable).")
    var includes: [String] = []

    @Option(name: .customLong("exclude"), help: "Skip entries matching GLOB (repeatable).")
    var excludes: [String] = []

    @Flag(help: "Replace files that already exist.")
    var overwrite = false

    @Flag(help: "Re-read every restored file and compare it with the generation.")
    var verify = false

    @Argument(help: "Only these paths (as shown by `kura ls`).")
    var paths: [String] = []

    func run() async throws {
        try await reportingErrors {
            _ = try GlobMatcher(patterns: includes + excludes)
            try await repository.forGeneration(generation).withLockedRepository(command: "restore") { opened in
                let stored = try opened.resolveGeneration(generation, in: try await opened.generations().valid)
                var options = RestoreOptions(target: target)
                options.paths = paths
                options.includes = includes
                options.excludes = excludes
                options.overwrite = overwrite
                options.verify = verify
                let started = Date()
                let summary = try await Restorer(repository: opened, generation: stored, options: options,
                                                 onWarning: { Output.error("warning: \($0)") }).run()
                Output.line("restored \(stored.name): \(summary.files) files, \(summary.directories) directories, "
                      + "\(Output.bytes(summary.bytes)) in " + String(format: "%.1f s", Date().timeIntervalSince(started))
                      + (verify ? ", \(summary.verifiedFiles) files verified" : "")
                      + (summary.alreadyRestored > 0 ? ", \(summary.alreadyRestored) entries kept from the stopped restore" : ""))
                try await opened.appendAudit("restore", details: ["generation": stored.name, "target": target,
                                                                  "files": String(summary.files), "bytes": String(summary.bytes)])
                if summary.warnings > 0 { throw ExitCode(ExitStatus.problemsFound.rawValue) }
            }
        }
    }
}
