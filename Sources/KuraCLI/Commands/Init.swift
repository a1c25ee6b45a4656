import ArgumentParser
import KuraCrypto
import KuraRepository

/// `kura init`: a new repository with its first admin key.
struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a repository with a first admin key.",
        discussion: """
            The password is asked twice on the terminal, or read from --password-file, \
            KURA_PASSWORD_FILE or the first line printed by KURA_PASSWORD_COMMAND. It is \
            stretched with Argon2id (t=3, m=256 MiB by default) and only wraps the repository's \
            random secrets.

            Examples:
              kura init --repo /srv/kura
              KURA_PASSWORD_FILE=/etc/kura/main.pw kura init --repo /srv/kura
            """
    )

    @OptionGroup var repository: RepositoryOptions

    @OptionGroup var kdf: KDFOptions


    func run() async throws {
        try await reportingErrors {
            let repository = try repository.resolved()
            let backend = try repository.backend()
            if try await backend.exists() { throw RepositoryError.alreadyExists(repository.location) }
            let password = try repository.password(confirm: true)
            let parameters = kdf.parameters
            let created = try await Repository.initialize(backend: backend, password: password, parameters: parameters)
            Output.line("created repository \(created.config.id.short) at \(repository.location)")
            print("keep the password safe: without it the data cannot be recovered")
        }
    }
}
