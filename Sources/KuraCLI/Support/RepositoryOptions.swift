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

    @Option(name: .customLong("s3-endpoint"),
            help: "For s3://BUCKET/PREFIX: the server's URL (else AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS).")
    var s3Endpoint: String?

    @Option(name: .customLong("s3-region"), help: "For S3: the region (else AWS_REGION, AWS_DEFAULT_REGION, us-east-1).")
    var s3Region: String?

    @Flag(name: .customLong("s3-allow-http"), help: "Allow plain HTTP to an S3 endpoint that is not on loopback.")
    var s3AllowHTTP = false

    /// --repo, then KURA_REPOSITORY, then the default under the user's data directory.
    var location: String {
        if let repository, !repository.isEmpty { return repository }
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["KURA_REPOSITORY"], !path.isEmpty { return path }
        let data = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share"
        return data + "/kura/repository"
    }

    /// The local folder or S3 bucket that `location` names, with its credentials.
    func backend() throws -> any StorageBackend {
        guard S3Location.isS3(location) else { return LocalBackend(path: location) }
        let s3 = try S3Location.parse(location, endpoint: s3Endpoint, region: s3Region, allowHTTP: s3AllowHTTP)
        let signer = S3Signer(credentials: try S3Credentials.resolve(), region: s3.region, hashing: .kura)
        return S3Backend(location: s3, signer: signer)
    }

    func password(confirm: Bool) throws -> SecureBytes {
        try PassphraseSource.repositoryPassword(file: passwordFile).read(confirm: confirm)
    }

    /// Opens the repository, asking for the password only once the repository is known to exist.
    func open() async throws -> Repository {
        let backend = try self.backend()
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
            // The index read before the lock may name packs a prune has deleted since.
            try await opened.reloadIndex()
            let result = try await body(opened)
            await lock.release()
            return result
        } catch {
            await lock.release()
            throw error
        }
    }
}
