import ArgumentParser
import KuraCrypto

/// `--kdf-iterations` and `--kdf-memory`: the Argon2id cost of a key slot's password, for the
/// commands that set one (init, key add, key passwd).
struct KDFOptions: ParsableArguments {
    @Option(help: "Argon2id passes for the password being set (1 to 64; default 3).")
    var kdfIterations: UInt32 = Argon2idParameters.recommended.iterations

    @Option(help: "Argon2id memory in MiB for the password being set (8 to 4096; default 256).")
    var kdfMemory: UInt32 = Argon2idParameters.recommended.memoryKiB / 1024

    func validate() throws {
        guard kdfIterations >= 1, kdfIterations <= 64 else { throw ValidationError("--kdf-iterations must be 1...64") }
        guard kdfMemory >= 8, kdfMemory <= 4096 else { throw ValidationError("--kdf-memory must be 8...4096 MiB") }
    }

    var parameters: Argon2idParameters { Argon2idParameters(iterations: kdfIterations, memoryKiB: kdfMemory * 1024) }
}
