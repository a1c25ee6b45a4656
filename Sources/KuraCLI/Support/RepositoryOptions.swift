import ArgumentParser
import Foundation
import KuraCrypto
import KuraOperations
import KuraRepository
import KuraStorage

/// The flags every repository command shares, and how they become an open repository.
/// Which repository: --repo (a location, or a repository name from the policy), else
/// KURA_REPOSITORY, else the policy's (the subject's primary, or its only repository), else
/// ~/.local/share/kura/repository. The key: --key-file, --password-file or --password-command,
/// else the policy's source for that repository, else KURA_KEY_FILE, KURA_PASSWORD_FILE,
/// KURA_PASSWORD_COMMAND, else the terminal.
struct RepositoryOptions: ParsableArguments {
    @Option(name: .customLong("repo"),
            help: "The repository: a path, s3://BUCKET/PREFIX, ssh://[USER@]HOST/PATH, sftp:[USER@]HOST:/PATH or a repository name from the policy (else KURA_REPOSITORY, the policy, ~/.local/share/kura/repository).")
    var repository: String?

    @Option(help: "Read the repository password from FILE (else the policy, KURA_PASSWORD_FILE, KURA_PASSWORD_COMMAND, the terminal).")
    var passwordFile: String?

    @Option(help: "Run COMMAND (with /bin/sh) and use the first line it prints as the repository password.")
    var passwordCommand: String?

    @Option(help: "Open the repository with the key file FILE instead of a password (else the policy, KURA_KEY_FILE). For init and key add: the new key's file to write.")
    var keyFile: String?

    @Option(name: .customLong("key"),
            help: "Open only the key slot whose ID starts with ID (see `kura key list`), else the first slot the password opens.")
    var key: String?

    @OptionGroup var policy: PolicyOptions

    @Option(name: .customLong("s3-endpoint"),
            help: "For s3://BUCKET/PREFIX: the server's URL (else AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS).")
    var s3Endpoint: String?

    @Option(name: .customLong("s3-region"), help: "For S3: the region (else AWS_REGION, AWS_DEFAULT_REGION, us-east-1).")
    var s3Region: String?

    @Flag(name: .customLong("s3-allow-http"), help: "Allow plain HTTP to an S3 endpoint that is not on loopback.")
    var s3AllowHTTP = false

    /// The repository's location as named so far: --repo, then KURA_REPOSITORY, then the
    /// default under the user's data directory. `resolved()` applies the policy first.
    var location: String { namedRepository ?? Self.defaultLocation }

    static var defaultLocation: String {
        let environment = ProcessInfo.processInfo.environment
        let data = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share"
        return data + "/kura/repository"
    }

    /// The repository --repo or KURA_REPOSITORY names, if either does.
    var namedRepository: String? {
        if let repository, !repository.isEmpty { return repository }
        return ProcessInfo.processInfo.environment["KURA_REPOSITORY"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Whether --repo or KURA_REPOSITORY names the repository (the policy then does not).
    var isNamedOutsidePolicy: Bool { namedRepository != nil }

    /// These options pointed at `repository` from the policy: its location, its S3 settings
    /// and its password source (flags given on the command line still win).
    func forRepository(_ repository: RepositoryPolicy) -> RepositoryOptions {
        var options = self
        options.repository = repository.location
        options.s3Endpoint = s3Endpoint ?? repository.s3Endpoint
        options.s3Region = s3Region ?? repository.s3Region
        if passwordFile == nil, passwordCommand == nil, keyFile == nil {
            options.passwordFile = repository.passwordFile
            options.passwordCommand = repository.passwordCommand
            options.keyFile = repository.keyFile
        }
        return options
    }

    /// These options for work on `subject`: unless a repository was named, the subject's
    /// primary repository from the policy.
    func forSubject(_ subject: String) throws -> RepositoryOptions {
        if !isNamedOutsidePolicy, let policy = try policy.load(), let entry = policy.subject(named: subject),
           let primary = policy.primaryRepository(of: entry) {
            return forRepository(primary)
        }
        return try resolved()
    }

    /// These options for work on a generation named `SUBJECT@N`, `SUBJECT` or by ID.
    func forGeneration(_ name: String) throws -> RepositoryOptions {
        try forSubject(name.lastIndex(of: "@").map { String(name[..<$0]) } ?? name)
    }

    /// These options with the policy applied: `--repo NAME` for a repository the policy names,
    /// or, with no repository named at all, the policy's only repository.
    func resolved() throws -> RepositoryOptions {
        guard let policy = try policy.load() else { return self }
        if let repository, let entry = policy.repositories[repository] { return forRepository(entry) }
        if isNamedOutsidePolicy { return self }
        if policy.repositories.count == 1, let only = policy.repositories.values.first { return forRepository(only) }
        if policy.repositories.count > 1 {
            throw CommandFailure(message: "the policy \(policy.file) names \(policy.repositories.count) repositories ("
                                 + policy.repositories.keys.sorted().joined(separator: ", ") + "); choose one with --repo NAME")
        }
        return self
    }

    /// The storage that `location` names (a local folder, an S3 bucket, an SSH host), with its
    /// credentials; an unknown `scheme:` is refused rather than taken for a folder.
    func backend() throws -> any StorageBackend {
        switch try RepositoryLocation(parsing: location) {
        case .local(let path):
            return LocalBackend(path: path)
        case .s3:
            let s3 = try S3Location.parse(location, endpoint: s3Endpoint, region: s3Region, allowHTTP: s3AllowHTTP)
            let signer = S3Signer(credentials: try S3Credentials.resolve(), region: s3.region, hashing: .kura)
            return S3Backend(location: s3, signer: signer)
        case .ssh(let address):
            return SSHBackend(address: address)
        case .sftp(let address):
            return SFTPBackend(address: address)
        }
    }

    /// The key file that opens the repository: --key-file or the policy's, else KURA_KEY_FILE
    /// unless a password source was given.
    var openingKeyFile: String? {
        if let keyFile, !keyFile.isEmpty { return keyFile }
        guard passwordFile == nil, passwordCommand == nil else { return nil }
        return ProcessInfo.processInfo.environment["KURA_KEY_FILE"].flatMap { $0.isEmpty ? nil : $0 }
    }

    func password(confirm: Bool) throws -> SecureBytes {
        var source = PassphraseSource.repositoryPassword(file: passwordFile)
        source.command = passwordCommand
        return try source.read(confirm: confirm)
    }

    /// Opens the repository, asking for the password only once the repository is known to exist.
    func open() async throws -> Repository {
        let options = try resolved()
        let backend = try FaultInjectingBackend.fromEnvironment(wrapping: options.backend())
        guard try await backend.exists() else { throw RepositoryError.noRepository(options.location) }
        // Checked here, not in validate(): for init and key add, --key-file names the new key's file.
        if keyFile != nil, passwordFile != nil || passwordCommand != nil {
            throw CommandFailure(message: "give --key-file or a password (--password-file, --password-command), not both")
        }
        if let keyFile = options.openingKeyFile {
            guard key == nil else { throw CommandFailure(message: "a key file opens its own key; drop --key \(key ?? "") or the key file") }
            return try await KeyFileAccess.openRepository(backend, path: keyFile)
        }
        return try await Repository.open(backend: backend, password: try options.password(confirm: false), key: key)
    }

    /// Opens the repository and runs `body` under a lock for `command`, releasing the lock
    /// however `body` ends. A process killed meanwhile leaves a lock the next command clears.
    func withLockedRepository<T>(command: String, exclusive: Bool = false, onLocked: (RepositoryLock) -> Void = { _ in },
                                 _ body: (Repository) async throws -> T) async throws -> T {
        let opened = try await open()
        return try await opened.withLock(exclusive: exclusive, command: command, onWait: { Output.error("kura: \($0)") },
                                         onLocked: onLocked) {
            try await body(opened)
        }
    }
}
