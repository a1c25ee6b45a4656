import ArgumentParser
import Foundation
import KuraEngine
import KuraOperations
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
              find /srv -name '*.conf' -print0 | kura backup --subject conf --files-from-raw -
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

    @Option(name: .customLong("files-from"), help: ArgumentHelp(
        "Also back up the paths FILE lists, one a line (blank lines and # comments skipped, surrounding spaces trimmed; - is standard input; repeatable).",
        valueName: "FILE"))
    var filesFrom: [String] = []

    @Option(name: .customLong("files-from-verbatim"), help: ArgumentHelp(
        "Also back up the paths FILE lists, every line exactly as a path (repeatable).", valueName: "FILE"))
    var filesFromVerbatim: [String] = []

    @Option(name: .customLong("files-from-raw"), help: ArgumentHelp(
        "Also back up the NUL-separated paths in FILE, as find -print0 writes them (repeatable).", valueName: "FILE"))
    var filesFromRaw: [String] = []

    /// The path lists given, in the order of their kinds.
    var pathLists: [PathList] {
        filesFrom.map { PathList(file: $0, format: .lines) } + filesFromVerbatim.map { PathList(file: $0, format: .verbatim) }
            + filesFromRaw.map { PathList(file: $0, format: .nulSeparated) }
    }

    @Flag(help: "Keep a folder holding a valid CACHEDIR.TAG with its tag file only.")
    var excludeCaches = false

    @Option(name: .customLong("exclude-if-present"), help: ArgumentHelp(
        "Leave out a folder holding a file NAME (starting with HEADER, if given; repeatable).", valueName: "NAME[:HEADER]"))
    var excludeIfPresent: [String] = []

    @Option(help: ArgumentHelp("Leave out regular files larger than SIZE (K, M, G, T: binary), counted in the summary.",
                               valueName: "SIZE"))
    var excludeLargerThan: String?

    @Flag(help: "Do not cross into other file systems.")
    var oneFileSystem = false

    @Flag(help: "Print progress and the summary as JSON lines.")
    var json = false

    @Flag(help: "Back up standard input as one file (named by --stdin-filename).")
    var stdin = false

    @Flag(help: "Back up the standard output of the command given after -- (its exit status decides).")
    var stdinFromCommand = false

    @Option(help: ArgumentHelp("With --stdin or --stdin-from-command: the file's name in the generation.", valueName: "NAME"))
    var stdinFilename = "stdin"

    @Argument(help: "Files and directories to back up (else the subject's paths from the policy); with --stdin-from-command, the command and its arguments after --.")
    var paths: [String] = []

    func validate() throws {
        guard !subject.isEmpty, !subject.contains("@"), !subject.contains("/") else {
            throw ValidationError("a subject name cannot be empty or contain @ or /")
        }
        if stdin, stdinFromCommand { throw ValidationError("use either --stdin or --stdin-from-command") }
        if stdin, !paths.isEmpty { throw ValidationError("--stdin backs up standard input; name no paths with it") }
        if stdinFromCommand, paths.isEmpty {
            throw ValidationError("--stdin-from-command needs the command after --, e.g. -- pg_dump mydb")
        }
        if let problem = StreamSource.problem(withName: stdinFilename) { throw ValidationError(problem) }
        if stdin || stdinFromCommand, !pathLists.isEmpty {
            throw ValidationError("--files-from and its kin name files to back up; they do not go with --stdin or --stdin-from-command")
        }
        if pathLists.filter({ $0.file == "-" }).count > 1 {
            throw ValidationError("only one --files-from… list can be - (standard input)")
        }
    }

    func run() async throws {
        try await reportingErrors {
            let markers = try excludeIfPresent.map { marker throws(ExclusionError) in try ExclusionMarker(parsing: marker) }
            let sizeLimit = try excludeLargerThan.map { size throws(ExclusionError) in try FileSizeLimit.parse(size) }
            var options = BackupOptions(subject: subject, paths: stdin || stdinFromCommand ? [] : paths)
            var command: CommandStream?
            defer { command?.terminate() }
            if stdin {
                options.stream = StreamSource(filename: stdinFilename, descriptor: 0)
            } else if stdinFromCommand {
                let stream = try CommandStream(paths)
                command = stream
                InterruptCleanup.register { stream.terminate() }   // runs after the lock's removal, before the exit
                options.stream = command?.source(filename: stdinFilename)
            } else if paths.isEmpty, pathLists.isEmpty {
                guard let policy = try repository.policy.load(), let entry = policy.subject(named: subject) else {
                    throw CommandFailure(message: "name at least one path to back up, or a subject the policy file describes")
                }
                options = entry.backupOptions
                if let words = entry.command {
                    let stream = try CommandStream(words)
                    command = stream
                    InterruptCleanup.register { stream.terminate() }
                    options.stream = stream.source(filename: entry.stdinFilename ?? "stdin")
                }
            }
            options.tags = tags
            options.pathLists += pathLists
            options.excludes += excludes
            if let excludeFile {
                do {
                    options.excludes += try BackupOptions.excludePatterns(fromFile: excludeFile)
                } catch {
                    throw CommandFailure(message: "cannot read the exclude file \(excludeFile)", status: .failure)
                }
            }
            _ = try GlobMatcher(patterns: options.excludes)
            options.oneFileSystem = options.oneFileSystem || oneFileSystem
            options.excludeCaches = options.excludeCaches || excludeCaches
            options.excludeIfPresent += markers
            if let sizeLimit { options.excludeLargerThan = sizeLimit }
            let showProgress = !json && isatty(2) == 1
            options.estimateTotals = json || showProgress
            var interruptToken: Int?
            defer { interruptToken.map(InterruptCleanup.unregister) }
            try await repository.forSubject(subject).withLockedRepository(command: "backup", onLocked: { lock in
                interruptToken = InterruptCleanup.register {
                    Output.error(lock.releaseBlocking(seconds: 10)
                        ? Self.interruptedMessage + "the lock was removed; " + Self.interruptedAdvice
                        : Self.interruptedMessage + "the lock could not be removed (kura unlock clears it once this process is gone); "
                            + Self.interruptedAdvice)
                }
            }) { opened in
                let runner = try BackupRunner(
                    repository: opened, options: options,
                    onWarning: { message in
                        if json { Output.jsonLine(["type": "warning", "message": message]) } else { Output.error("warning: \(message)") }
                    },
                    onProgress: { progress in
                        if json {
                            var line: [String: Any] = ["type": "progress", "files": progress.files, "bytes": progress.bytesSeen,
                                                       "bytes_read": progress.bytesRead, "seconds": progress.elapsed]
                            line["total_files"] = progress.totalFiles
                            line["total_bytes"] = progress.totalBytes
                            line["eta_seconds"] = progress.estimatedSecondsLeft.map { Int($0.rounded()) }
                            Output.jsonLine(line)
                        } else if showProgress {
                            FileHandle.standardError.write(Data("\r\u{1B}[K\(Self.progressLine(progress))".utf8))
                        }
                    })
                let stored = try await runner.run()
                // From here the generation exists: an interrupt no longer means "nothing written".
                interruptToken.map(InterruptCleanup.unregister)
                interruptToken = nil
                if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
                let summary = stored.generation.summary
                if json {
                    Output.jsonLine(["type": "summary", "generation": stored.name, "id": stored.id.hex,
                                     "files": summary.files, "directories": summary.directories, "bytes": summary.bytes,
                                     "bytes_read": summary.bytesRead, "new_blobs": summary.newBlobs,
                                     "stored_bytes": summary.storedBytes, "warnings": summary.warnings,
                                     "large_files_left_out": runner.largeFilesLeftOut, "seconds": summary.seconds])
                } else {
                    Output.line("\(stored.name) \(stored.id.short): \(summary.files) files, \(summary.directories) directories, "
                          + "\(Output.bytes(summary.bytes)) (\(Output.bytes(summary.bytesRead)) read, "
                          + "\(Output.bytes(summary.storedBytes)) new in the repository) in "
                          + String(format: "%.1f s", summary.seconds)
                          + (summary.warnings > 0 ? ", \(summary.warnings) warning(s)" : "")
                          + (runner.largeFilesLeftOut > 0 ? ", \(runner.largeFilesLeftOut) file(s) larger than "
                             + "\(Output.bytes(options.excludeLargerThan ?? 0)) left out" : ""))
                }
                if summary.warnings > 0 { throw ExitCode(ExitStatus.problemsFound.rawValue) }
            }
        }
    }

    static let interruptedMessage = "kura: interrupted; no generation was written, "
    static let interruptedAdvice = "run the backup again (the packs stored so far are not reused; kura prune reclaims their space)"

    /// "1,204/5,310 files, 1.2 GiB/3.4 GiB, 240 MiB/s, ETA 0:09 (12.0 MiB read)".
    static func progressLine(_ progress: BackupProgress) -> String {
        var line = progress.totalFiles.map { "\(progress.files)/\($0) files" } ?? "\(progress.files) files"
        line += ", " + Output.bytes(progress.bytesSeen) + (progress.totalBytes.map { "/" + Output.bytes($0) } ?? "")
        if progress.elapsed >= 1 {
            line += ", \(Output.bytes(Int64(Double(progress.bytesSeen) / progress.elapsed)))/s"
        }
        if let left = progress.estimatedSecondsLeft {
            let seconds = Int(left.rounded())
            line += seconds >= 3600
                ? String(format: ", ETA %d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
                : String(format: ", ETA %d:%02d", seconds / 60, seconds % 60)
        }
        return line + " (\(Output.bytes(progress.bytesRead)) read)"
    }
}
