import ArgumentParser

/// `kura key`: the repository's keys and their roles.
struct Key: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add, list and remove keys, change a key's password, rotate the key epoch.",
        discussion: "Roles: admin (everything), backup (write-only), restore (read and restore), auditor (records and the audit log). See docs/KEYS.md.",
        subcommands: [KeyAdd.self, KeyList.self, KeyRemove.self, KeyPasswd.self, KeyRotate.self]
    )
}
