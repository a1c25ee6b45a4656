import ArgumentParser

/// `kura key`: the repository's keys and their roles.
struct Key: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add, list and remove keys, and change a key's password.",
        discussion: "Roles: admin (everything), backup (write-only), restore (read and restore), auditor (records and the audit log). See docs/KEYS.md.",
        subcommands: [KeyAdd.self, KeyList.self, KeyRemove.self, KeyPasswd.self]
    )
}
