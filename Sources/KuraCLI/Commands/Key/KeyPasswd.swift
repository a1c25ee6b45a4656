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

    @Option(help: "Argon2id passes for the new password (1 to 64; default 3).")
    var kdfIterations: UInt32 = Argon2idParameters.recommended.iterations

    @Option(help: "Argon2id memory in MiB for the new password (8 to 4096; default 256).")
    var kdfMemory: UInt32 = Argon2idParameters.recommended.memoryKiB / 1024

    func validate() throws {
        guard kdfIterations >= 1, kdfIterations <= 64 else { throw ValidationError("--kdf-iterations must be 1...64") }
        guard kdfMemory >= 8, kdfMemory <= 4096 else { throw ValidationError("--kdf-memory must be 8...4096 MiB") }
    }

    func run() async throws {
        try await reportingErrors {
            let opened = try await repository.open()
            let source = PassphraseSource(file: newPasswordFile, fileVariable: "KURA_NEW_PASSWORD_FILE", prompt: "New password")
            let password = try source.read(confirm: true)
            try await opened.changePassword(to: password,
                                            parameters: Argon2idParameters(iterations: kdfIterations, memoryKiB: kdfMemory * 1024))
            print("changed the password of key \(opened.keySlot.name) (\(opened.keySlot.id.short))")
        }
    }
}
