import ArgumentParser
import Foundation
import KuraStorage

/// `kura serve --stdio`: the far side of an `ssh://` repository, run by ssh (docs/SERVE.md).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve repositories on standard input and output, for ssh:// clients.",
        discussion: """
            ssh runs it for `kura … --repo ssh://HOST/PATH`; run by hand it waits for a client. \
            It never needs a repository key: it only moves encrypted objects. Put it in an \
            authorized_keys forced command to limit what a key may do:

              command="kura serve --stdio --append-only --restrict-to /srv/kura/web1",restrict ssh-ed25519 AAAA… web1
              command="kura serve --stdio --restrict-to /srv/kura",restrict ssh-ed25519 AAAA… admin

            With --append-only the client may add objects and locks but never delete or \
            replace anything (but its own locks): forget, prune and erase need the second key.
            """
    )

    @Flag(help: "Speak the serve protocol on standard input and output (the only way it serves).")
    var stdio = false

    @Flag(help: "Refuse every delete and replacement, but of lock objects.")
    var appendOnly = false

    @Option(name: .customLong("restrict-to"),
            help: ArgumentHelp("Serve only repositories in FOLDER or below it (repeatable).", valueName: "FOLDER"))
    var restrictTo: [String] = []

    func validate() throws {
        guard stdio else {
            throw ValidationError("kura serve speaks only over standard input and output: give --stdio (docs/SERVE.md)")
        }
        if let empty = restrictTo.first(where: \.isEmpty) {
            throw ValidationError("--restrict-to \"\(empty)\" names no folder")
        }
    }

    func run() async throws {
        let server = RepositoryServer(rules: ServeRules(appendOnly: appendOnly, restrictedTo: restrictTo))
        do {
            try await server.run()
        } catch {
            // Standard output is the protocol's: diagnostics go to standard error, which ssh relays.
            Output.error("kura serve: \(error)")
            throw ExitCode(ExitStatus.failure.rawValue)
        }
    }
}
