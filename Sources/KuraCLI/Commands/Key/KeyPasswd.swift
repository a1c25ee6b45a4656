import ArgumentParser
import KuraCrypto
import KuraRepository

struct KeyPasswd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passwd",
        abstract: "Change the password of the key that opens the repository.",
        discussion: """
            The current password comes from the usual sources (--password-file, …); the new one \
            from --new-password-file or the terminal, asked twice.
            """
    )

    @OptionGroup var repository: RepositoryOptions

    @Option(help: "Read the new password from FILE (else the terminal, asked twice).")
    var newPasswordFile: String?

    @OptionGroup var kdf: KDFOptions


    func run() async throws {
        try await reportingErrors {
            let opened = try await repository.open()
            // Refused before the new password is asked for: a key file has none to change.
            guard !opened.keySlot.opensWithKeyFile else { throw KeyError.opensWithKeyFile(opened.keySlot.id) }
            let source = PassphraseSource(file: newPasswordFile, fileVariable: "KURA_NEW_PASSWORD_FILE", prompt: "New password")
            let password = try source.read(confirm: true)
            try await opened.changePassword(to: password,
                                            parameters: kdf.parameters)
            Output.line("changed the password of key \(opened.keySlot.name) (\(opened.keySlot.id.short))")
        }
    }
}
