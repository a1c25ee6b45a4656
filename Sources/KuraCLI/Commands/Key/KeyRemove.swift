import ArgumentParser
import KuraRepository

struct KeyRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a key (admin keys only; never the last admin key).",
        discussion: """
            The key's slot keeps its public fields, so what it signed still verifies, but no \
            password opens it any more. A copy of its secrets still reads what it could read before, until `kura key rotate --reencrypt`; see docs/KEYS.md.

            Example:
              kura key remove 3f5a19c2
            """
    )

    @OptionGroup var repository: RepositoryOptions

    @Argument(help: "The key's ID or a unique prefix of it (see `kura key list`).")
    var id: String

    func run() async throws {
        try await reportingErrors {
            let removed = try await repository.open().removeKey(id)
            Output.line("removed \(removed.role.rawValue) key \(removed.name) (\(removed.id.short))")
        }
    }
}
