import ArgumentParser
import Foundation
import KuraEngine
import KuraRepository

/// `kura dump`: one file of a generation to standard output, a directory as a tar archive.
struct Dump: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a file of a generation to standard output, or a directory as a tar archive.",
        discussion: """
            Every blob is verified as it is read; nothing is written to disk unless --target \
            names a file (which then appears only when complete). PATH is as kura ls prints \
            it; "/" is the whole generation. A directory is refused on a terminal.

            Examples:
              kura dump db@latest /var/backups/db.sql | psql mydb
              kura dump etc@12 /etc/ssh > ssh.tar
              kura dump home@latest /home/alice --target alice.tar
            """
    )

    enum ArchiveFormat: String, ExpressibleByArgument, CaseIterable {
        case tar
    }

    @OptionGroup var repository: RepositoryOptions

    @Option(help: "The archive format for a directory.")
    var archive: ArchiveFormat = .tar

    @Option(help: ArgumentHelp("Write to FILE instead of standard output (made atomically; - is standard output).", valueName: "FILE"))
    var target: String?

    @Flag(help: "With --target: replace an existing file.")
    var force = false

    @Argument(help: "The generation (SUBJECT@N, SUBJECT@latest, SUBJECT or an ID prefix).")
    var generation: String

    @Argument(help: "The file or directory in it.")
    var path: String

    func run() async throws {
        try await reportingErrors {
            let opened = try await repository.forGeneration(generation).open()
            try opened.require(.readContents)
            let stored = try opened.resolveGeneration(generation, in: try await opened.generations().valid)
            let dumper = GenerationDumper(repository: opened, generation: stored)
            let entry = try await dumper.entry(at: path)
            let output = try OutputTarget(path: target, force: force, inputPath: nil)
            if entry.isDirectory, output.isStandardOutput, isTerminal(1) {
                throw CommandFailure(message: "\(path) is a directory: its tar archive would go to the terminal; "
                                     + "redirect standard output or use --target FILE", status: .usage)
            }
            let sink: GenerationDumper.Sink = { bytes in try bytes.withUnsafeBytes { try output.sink.write($0) } }
            do {
                switch entry {
                case .node(let node) where node.kind == .file:
                    try await dumper.writeContent(of: node, path: path, to: sink)
                case .node(let node) where node.kind != .directory:
                    throw CommandFailure(message: "\(path) is a \(node.kind.rawValue), not a file or directory; "
                                         + "kura restore recreates it", status: .usage)
                default:
                    try await dumper.writeTar(entry, path: path, to: sink)
                }
            } catch FileError.cannotWrite(_, let code) where code == EPIPE && output.isStandardOutput {
                // The reader went away (`kura dump … | head`): nothing more to say.
                throw ExitCode(128 + SIGPIPE)
            }
            try output.commit()
        }
    }
}
