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

            With --key-file FILE (or KURA_KEY_FILE, or the policy's key-file) the first admin \
            key is a key file instead: a random 256-bit secret written to FILE (mode 0600), \
            opened without a password hash. FILE must not exist yet.

            Examples:
              kura init --repo /srv/kura
              KURA_PASSWORD_FILE=/etc/kura/main.pw kura init --repo /srv/kura
              kura init --repo /srv/kura --key-file /etc/kura/admin.key
            """
    )

    @OptionGroup var repository: RepositoryOptions

    @OptionGroup var kdf: KDFOptions

    func validate() throws {
        if repository.keyFile != nil, repository.passwordFile != nil || repository.passwordCommand != nil {
            throw ValidationError("give --key-file or a password (--password-file, --password-command) for the first key, not both")
        }
    }

    func run() async throws {
        try await reportingErrors {
            let repository = try repository.resolved()
            let backend = try repository.backend()
            if try await backend.exists() { throw RepositoryError.alreadyExists(repository.location) }
            if let path = repository.openingKeyFile {
                let keyFile = try KeyFileAccess.create(path)
                let created = try await Repository.initialize(backend: backend, credential: keyFile.credential)
                try keyFile.write(slot: created.keySlot, repository: created.config.id)
                Output.line("created repository \(created.config.id.short) at \(repository.location)")
                print("wrote the admin key file \(path) (mode 0600); keep a copy offline: without it the data cannot be recovered")
                return
            }
            let password = try repository.password(confirm: true)
            let created = try await Repository.initialize(backend: backend, password: password, parameters: kdf.parameters)
            Output.line("created repository \(created.config.id.short) at \(repository.location)")
            print("keep the password safe: without it the data cannot be recovered")
        }
    }
}
