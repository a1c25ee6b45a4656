import ArgumentParser
import Foundation
import KuraEngine
import KuraRepository

/// `kura copy`: generations from one repository to another, re-encrypted under its keys.
struct Copy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy generations to another repository, re-encrypted under its keys.",
        discussion: """
            The destination gets the same generations (subject, number, time, host, paths, tags), \
            each recording the source generation it came from, so copying again copies only what \
            is new, and an interrupted copy can simply be run again. Each repository keeps its \
            own password: --from-password-file and --to-password-file (or -command), else the \
            policy's for a repository named there, else KURA_PASSWORD_FILE or \
            KURA_PASSWORD_COMMAND for both. See docs/COPY.md.

            Examples:
              kura copy --from /srv/kura --to s3://offsite/kura --to-password-file /etc/kura/offsite.pw
              kura copy --from /srv/kura --to /mnt/usb/kura --subject etc --subject home
              kura copy --from /srv/kura --to /mnt/usb/kura --generation db@latest --dry-run
              kura copy --from local --to offsite      (repository names from the policy file)
            """
    )

    @Option(help: "The repository to copy from: a path, s3://BUCKET/PREFIX, sftp:[USER@]HOST:/PATH or a repository name from the policy.")
    var from: String

    @Option(help: "The repository to copy to: a path, s3://BUCKET/PREFIX, sftp:[USER@]HOST:/PATH or a repository name from the policy.")
    var to: String

    @Option(help: "Read the source repository's password from FILE.")
    var fromPasswordFile: String?

    @Option(help: "Run COMMAND (with /bin/sh) for the source repository's password.")
    var fromPasswordCommand: String?

    @Option(help: "Read the destination repository's password from FILE.")
    var toPasswordFile: String?

    @Option(help: "Run COMMAND (with /bin/sh) for the destination repository's password.")
    var toPasswordCommand: String?

    @Option(help: "The policy file, for repository names (else KURA_CONFIG, /etc/kura/kura.toml, ~/.config/kura/kura.toml).")
    var config: String?

    @Option(name: .customLong("subject"), help: "Copy this subject's generations (repeatable; default: every subject).")
    var subjects: [String] = []

    @Option(name: .customLong("generation"), help: "Copy this generation: SUBJECT@N, SUBJECT@latest or an ID prefix (repeatable).")
    var generations: [String] = []

    @Option(name: .customLong("s3-region"), help: "For S3 repositories: the region (else AWS_REGION, AWS_DEFAULT_REGION, us-east-1).")
    var s3Region: String?

    @Flag(name: .customLong("s3-allow-http"), help: "Allow plain HTTP to S3 endpoints that are not on loopback.")
    var s3AllowHTTP = false

    @Flag(help: "Show what would be copied; write nothing.")
    var dryRun = false

    @Flag(help: "Print one JSON object per line.")
    var json = false

    func validate() throws {
        guard !from.isEmpty, !to.isEmpty else { throw ValidationError("--from and --to must name repositories") }
        for subject in subjects where subject.isEmpty || subject.contains("@") || subject.contains("/") {
            throw ValidationError("a subject name cannot be empty or contain @ or /: \(subject)")
        }
    }

    func run() async throws {
        try await reportingErrors {
            let source = try side(from, passwordFile: fromPasswordFile, passwordCommand: fromPasswordCommand)
            let destination = try side(to, passwordFile: toPasswordFile, passwordCommand: toPasswordCommand)
            try await naming({ CopyError.inSource(location: from, error: $0) }) {
                try await source.withLockedRepository(command: "copy") { sourceRepository in
                    try await naming({ CopyError.inDestination(location: to, error: $0) }) {
                        try await destination.withLockedRepository(command: "copy") { destinationRepository in
                            let copier = try GenerationCopier(source: sourceRepository, destination: destinationRepository)
                            let plan = try await copier.plan(CopySelection(subjects: subjects, generations: generations))
                            for (name, error) in plan.unreadable {
                                Output.error("warning: in the source \(from): \(name) cannot be read and is not copied: \(error)")
                            }
                            if dryRun {
                                report(plan)
                            } else {
                                let showProgress = !json && isatty(2) == 1
                                let result = try await copier.run(plan, onCopied: { copied in
                                    if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
                                    report(copied)
                                }, onProgress: { stored, statistics in
                                    guard showProgress else { return }
                                    FileHandle.standardError.write(Data(("\r\u{1B}[Kcopying \(TerminalText.escape(stored.name)): "
                                        + "\(Output.bytes(statistics.bytesRead)) read, \(statistics.newBlobs) new blobs").utf8))
                                })
                                summarize(result)
                            }
                            if !plan.unreadable.isEmpty { throw ExitCode(ExitStatus.problemsFound.rawValue) }
                        }
                    }
                }
            }
        }
    }

    /// Runs `body`, saying which repository a repository error (wrong password, no repository,
    /// locked) is about.
    private func naming(_ wrap: (RepositoryError) -> CopyError, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as RepositoryError {
            throw wrap(error)
        }
    }

    /// One side's repository options, as `--repo LOCATION --password-file FILE` would give
    /// (a repository name from the policy takes its location and password source from there).
    private func side(_ location: String, passwordFile: String?, passwordCommand: String?) throws -> RepositoryOptions {
        var arguments = ["--repo", location]
        if let passwordFile { arguments += ["--password-file", passwordFile] }
        if let passwordCommand { arguments += ["--password-command", passwordCommand] }
        if let config { arguments += ["--config", config] }
        if let s3Region { arguments += ["--s3-region", s3Region] }
        if s3AllowHTTP { arguments.append("--s3-allow-http") }
        do {
            return try RepositoryOptions.parse(arguments)
        } catch {
            throw CommandFailure(message: "cannot use \(location) as a repository: \(RepositoryOptions.message(for: error))")
        }
    }

    private func report(_ plan: CopyPlan) {
        for stored in plan.pending {
            if json {
                Output.jsonLine(["type": "would_copy", "generation": stored.name, "id": stored.id.hex,
                                 "bytes": stored.generation.summary.bytes])
            } else {
                Output.line("would copy \(stored.name) \(stored.id.short) (\(stored.generation.summary.files) files, "
                      + "\(Output.bytes(stored.generation.summary.bytes)))")
            }
        }
        if json {
            Output.jsonLine(["type": "summary", "dry_run": true, "would_copy": plan.pending.count, "already_present": plan.present.count])
        } else {
            print("\(plan.pending.count) generation(s) would be copied, \(plan.present.count) already in the destination")
        }
    }

    private func report(_ copied: CopiedGeneration) {
        let statistics = copied.statistics
        if json {
            Output.jsonLine(["type": "copied", "generation": copied.destination.name, "source_id": copied.source.id.hex,
                             "id": copied.destination.id.hex, "files": copied.source.generation.summary.files,
                             "bytes": copied.source.generation.summary.bytes, "blobs_read": statistics.blobsRead,
                             "bytes_read": statistics.bytesRead, "new_blobs": statistics.newBlobs,
                             "stored_bytes": statistics.storedBytes, "seconds": statistics.seconds])
        } else {
            Output.line("copied \(copied.destination.name) \(copied.source.id.short) → \(copied.destination.id.short): "
                  + "\(copied.source.generation.summary.files) files, \(Output.bytes(copied.source.generation.summary.bytes)) "
                  + "(\(Output.bytes(statistics.bytesRead)) read, \(Output.bytes(statistics.storedBytes)) new in the destination) in "
                  + String(format: "%.1f s", statistics.seconds))
        }
    }

    private func summarize(_ result: CopyReport) {
        let totals = result.totals
        if json {
            Output.jsonLine(["type": "summary", "copied": result.copied.count, "already_present": result.alreadyPresent,
                             "blobs_read": totals.blobsRead, "bytes_read": totals.bytesRead, "new_blobs": totals.newBlobs,
                             "stored_bytes": totals.storedBytes, "seconds": totals.seconds])
        } else {
            print("\(result.copied.count) generation(s) copied, \(result.alreadyPresent) already in the destination; "
                  + "\(Output.bytes(totals.bytesRead)) read, \(Output.bytes(totals.storedBytes)) stored")
        }
    }
}

extension RepositoryOptions {
    /// The text of an argument-parsing error, without usage help.
    static func message(for error: any Error) -> String {
        fullMessage(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
    }
}
