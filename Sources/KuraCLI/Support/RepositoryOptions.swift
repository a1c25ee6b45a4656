import ArgumentParser
import Foundation
import KuraCrypto
import KuraRepository
import KuraStorage

/// The flags every repository command shares, and how they become an open repository.
struct RepositoryOptions: ParsableArguments {
    @Option(name: .customLong("repo"),
            help: "The repository (else KURA_REPOSITORY, else ~/.local/share/kura/repository).")
    var repository: String?

    @Option(help: "Read the repository password from FILE (else KURA_PASSWORD_FILE, KURA_PASSWORD_COMMAND, the terminal).")
    var passwordFile: String?

    /// --repo, then KURA_REPOSITORY, then the default under the user's data directory.
    var location: String {
        if let repository, !repository.isEmpty { return repository }
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["KURA_REPOSITORY"], !path.isEmpty { return path }
        let data = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share"
        return data + "/kura/repository"
    }

    var backend: LocalBackend { LocalBackend(path: location) }

    func password(confirm: Bool) throws -> SecureBytes {
        try PassphraseSource.repositoryPassword(file: passwordFile).read(confirm: confirm)
    }

    /// Opens the repository, asking for the password only once the repository is known to exist.
    func open() async throws -> Repository {
        let backend = self.backend
        guard try await backend.exists() else { throw RepositoryError.noRepository(location) }
        return try await Repository.open(backend: backend, password: try password(confirm: false))
    }

    /// Opens the repository and runs `body` under a lock for `command`, releasing the lock
    /// however `body` ends. A process killed meanwhile leaves a lock the next command clears.
    func withLockedRepository<T>(command: String, exclusive: Bool = false,
                                 _ body: (Repository) async throws -> T) async throws -> T {
        let opened = try await open()
        let lock = try await opened.lock(exclusive: exclusive, command: command)
        do {
            let result = try await body(opened)
            await lock.release()
            return result
        } catch {
            await lock.release()
            throw error
        }
    }
}
