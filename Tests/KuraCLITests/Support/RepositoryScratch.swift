import Foundation

/// A scratch folder with a fresh repository (cheap Argon2id parameters) and the environment
/// that points kura at it.
final class RepositoryScratch {
    let scratch: Scratch
    let environment: [String: String]

    /// - Parameters:
    ///   - repository: where the repository goes (default: `repo` in the scratch folder).
    ///   - extra: more environment, such as an S3 server's credentials.
    ///   - createdAt: KURA_TEST_NOW for `init` alone, for tests that back up at earlier times
    ///     (audit entries must not predate the key that signs them).
    init(repository: String? = nil, environment extra: [String: String] = [:], createdAt: String? = nil) throws {
        scratch = try Scratch()
        try scratch.write("password", "test password\n")
        environment = ["KURA_REPOSITORY": repository ?? scratch.path("repo"), "KURA_PASSWORD_FILE": scratch.path("password")]
            .merging(extra) { $1 }
        let created = try kura(arguments: ["init", "--kdf-iterations", "1", "--kdf-memory", "8"],
                               environment: createdAt.map { ["KURA_TEST_NOW": $0] } ?? [:])
        guard created.status == 0 else { throw POSIXError(.EIO) }
    }

    func path(_ name: String) -> String { scratch.path(name) }

    @discardableResult
    func kura(_ arguments: String...) throws -> CommandResult {
        try scratch.run(Tools.kura, arguments, environment: environment)
    }

    @discardableResult
    func kura(arguments: [String], environment extra: [String: String] = [:]) throws -> CommandResult {
        try scratch.run(Tools.kura, arguments, environment: environment.merging(extra) { $1 })
    }

    @discardableResult
    func shell(_ command: String) throws -> CommandResult {
        try scratch.shell(command, environment: environment)
    }

    /// Writes `size` pseudo-random bytes (fast, reproducible per seed) to `name`.
    func writeRandom(_ name: String, size: Int, seed: UInt64) throws {
        var state = seed | 1
        var bytes = [UInt8](repeating: 0, count: size)
        for index in stride(from: 0, to: size, by: 8) {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            for offset in 0..<min(8, size - index) { bytes[index + offset] = UInt8(truncatingIfNeeded: state >> (8 * offset)) }
        }
        try scratch.write(name, Data(bytes))
    }
}
