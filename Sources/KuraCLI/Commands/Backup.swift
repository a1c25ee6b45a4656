import ArgumentParser
import Foundation
import KuraEngine
import KuraRepository

/// `kura backup`: a new generation of a subject.
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Back up paths as a new generation of a subject.",
        discussion: """
            Unchanged files (same size, mtime, ctime and inode as in the subject's previous \
            generation) are not read again. Files that cannot be read are reported and skipped; \
            the backup then completes and exits with 3.

            Examples:
              kura backup --subject home /home
              kura backup --subject etc --exclude '*.bak' --tag nightly /etc
            """
    )

    @OptionGroup var repository: RepositoryOptions

    @Option(help: "The subject this generation belongs to.")
    var subject = "default"

    @Option(name: .customLong("tag"), help: "A tag for the generation (repeatable).")
    var tags: [String] = []

    @Option(name: .customLong("exclude"), help: "Skip entries matching GLOB (repeatable; a GLOB with / matches whole paths).")
    var excludes: [String] = []

    @Option(help: "Read exclude patterns from FILE, one per line.")
    var excludeFile: String?

    @Flag(help: "Do not cross into other file systems.")
    var oneFileSystem = false

    @Flag(help: "Print progress and the summary as JSON lines.")
    var json = false

    @Argument(help: "Files and directories to back up.")
    var paths: [String] = []

    func validate() throws {
        guard !paths.isEmpty else { throw ValidationError("name at least one path to back up") }
        guard !subject.isEmpty, !subject.contains("@"), !subject.contains("/") else {
            throw ValidationError("a subject name cannot be empty or contain @ or /")
        }
    }

    func run() async throws {
        try await reportingErrors {
            var options = BackupOptions(subject: subject, paths: paths)
            options.tags = tags
            options.excludes = excludes
            if let excludeFile {
                do {
                    options.excludes += try BackupOptions.excludePatterns(fromFile: excludeFile)
                } catch {
                    throw CommandFailure(message: "cannot read the exclude file \(excludeFile)", status: .failure)
                }
            }
            options.oneFileSystem = oneFileSystem
            for path in paths where access(path, F_OK) != 0 {
                throw CommandFailure(message: "\(path) does not exist; nothing was backed up", status: .failure)
            }
            try await repository.withLockedRepository(command: "backup") { opened in
                let showProgress = !json && isatty(2) == 1
                let runner = try BackupRunner(
                    repository: opened, options: options,
                    onWarning: { message in
                        if json { Output.jsonLine(["type": "warning", "message": message]) } else { Output.error("warning: \(message)") }
                    },
                    onProgress: { progress in
                        if json {
                            Output.jsonLine(["type": "progress", "files": progress.files, "bytes": progress.bytesSeen,
                                             "bytes_read": progress.bytesRead])
                        } else if showProgress {
                            let line = "\(progress.files) files, \(Output.bytes(progress.bytesSeen)) scanned, \(Output.bytes(progress.bytesRead)) read"
                            FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
                        }
                    })
                let stored = try await runner.run()
                if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
                let summary = stored.generation.summary
                if json {
                    Output.jsonLine(["type": "summary", "generation": stored.name, "id": stored.id.hex,
                                     "files": summary.files, "directories": summary.directories, "bytes": summary.bytes,
                                     "bytes_read": summary.bytesRead, "new_blobs": summary.newBlobs,
                                     "stored_bytes": summary.storedBytes, "warnings": summary.warnings,
                                     "seconds": summary.seconds])
                } else {
                    print("\(stored.name) \(stored.id.short): \(summary.files) files, \(summary.directories) directories, "
                          + "\(Output.bytes(summary.bytes)) (\(Output.bytes(summary.bytesRead)) read, "
                          + "\(Output.bytes(summary.storedBytes)) new in the repository) in "
                          + String(format: "%.1f s", summary.seconds)
                          + (summary.warnings > 0 ? ", \(summary.warnings) warning(s)" : ""))
                }
                if summary.warnings > 0 { throw ExitCode(ExitStatus.problemsFound.rawValue) }
            }
        }
    }
}
