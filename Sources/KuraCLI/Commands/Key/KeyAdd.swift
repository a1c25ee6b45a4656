import ArgumentParser
import Foundation
import KuraCrypto
import KuraRepository

struct KeyAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a key with a role (admin keys only).",
        discussion: """
            The new key's password is read from --new-password-file or asked twice on the terminal. \
            With --key-file FILE the new key is a key file instead: a random 256-bit secret \
            written to FILE (mode 0600; it must not exist), opened without a password hash, for \
            cron jobs and timers. The admin's own key then comes from its password or KURA_KEY_FILE.

            Examples:
              kura key add --role backup --name web1-cron --key-file /etc/kura/web1.key
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
        if repository.keyFile != nil, newPasswordFile != nil {
            throw ValidationError("give --key-file or --new-password-file for the new key, not both")
        }
        if let expires, KeyDates.parse(expires) == nil {
            throw ValidationError("--expires \(expires) is not a date (YYYY-MM-DD) or an RFC 3339 time")
        }
    }

    func run() async throws {
        try await reportingErrors {
            guard let role = Role(rawValue: role) else { return }
            // --key-file names the new key's file here; the admin opens with its own key.
            var admin = repository
            admin.keyFile = nil
            let opened = try await admin.open()
            try opened.require(.manageKeys)
            let name = name ?? role.rawValue, expires = expires.flatMap(KeyDates.parse)
            if let path = repository.keyFile {
                let keyFile = try KeyFileAccess.create(path)
                let slot = try await opened.addKey(role: role, name: name, expires: expires, credential: keyFile.credential)
                try keyFile.write(slot: slot, repository: opened.config.id)
                Output.line("added \(role.rawValue) key \(slot.name) (\(slot.id.short)), opened by the key file \(path)")
                return
            }
            let source = PassphraseSource(file: newPasswordFile, fileVariable: "KURA_NEW_PASSWORD_FILE", prompt: "New key's password")
            let slot = try await opened.addKey(role: role, name: name, expires: expires, password: try source.read(confirm: true),
                                               parameters: kdf.parameters)
            Output.line("added \(role.rawValue) key \(slot.name) (\(slot.id.short))")
        }
    }
}
