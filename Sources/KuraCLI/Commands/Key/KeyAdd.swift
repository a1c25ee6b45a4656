import ArgumentParser
import Foundation
import KuraCrypto
import KuraRepository

struct KeyAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a key with a role (admin keys only).",
        discussion: """
            The new key's password is read from --new-password-file or asked twice on the terminal.

            Examples:
              kura key add --role backup --name web1-cron --new-password-file /etc/kura/web1.pw
              kura key add --role auditor --name q3-review --expires 2026-12-31
            """
    )

    @OptionGroup var repository: RepositoryOptions

    @Option(help: "admin, backup, restore or auditor.")
    var role: String

    @Option(help: "A label for the key (default: the role).")
    var name: String?

    @Option(help: "When the key stops working: YYYY-MM-DD (midnight UTC) or an RFC 3339 time.")
    var expires: String?

    @Option(help: "Read the new key's password from FILE (else the terminal, asked twice).")
    var newPasswordFile: String?

    @OptionGroup var kdf: KDFOptions

    func validate() throws {
        guard Role(rawValue: role) != nil else { throw ValidationError("--role must be admin, backup, restore or auditor") }
        if let expires, KeyDates.parse(expires) == nil {
            throw ValidationError("--expires \(expires) is not a date (YYYY-MM-DD) or an RFC 3339 time")
        }
    }

    func run() async throws {
        try await reportingErrors {
            guard let role = Role(rawValue: role) else { return }
            let opened = try await repository.open()
            try opened.require(.manageKeys)
            let source = PassphraseSource(file: newPasswordFile, fileVariable: "KURA_NEW_PASSWORD_FILE", prompt: "New key's password")
            let password = try source.read(confirm: true)
            let slot = try await opened.addKey(role: role, name: name ?? role.rawValue, expires: expires.flatMap(KeyDates.parse),
                                               password: password,
                                               parameters: kdf.parameters)
            Output.line("added \(role.rawValue) key \(slot.name) (\(slot.id.short))")
        }
    }
}
