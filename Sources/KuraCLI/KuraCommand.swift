import ArgumentParser

/// The root `kura` command.
struct KuraCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kura",
        abstract: "Kura: encrypted vault and backup tool for Linux admins.",
        version: "0.1.0",
        groupedSubcommands: [
            CommandGroup(name: "Repository", subcommands: [Init.self, Check.self, Unlock.self, Audit.self, Serve.self]),
            CommandGroup(name: "Keys", subcommands: [Key.self, AccessReviewCommand.self]),
            CommandGroup(name: "Backups", subcommands: [Backup.self, Generations.self, List.self, Find.self, Diff.self, Stats.self, Restore.self, Dump.self, Copy.self]),
            CommandGroup(name: "Files", subcommands: [Encrypt.self, Decrypt.self, Keygen.self]),
            CommandGroup(name: "Operations", subcommands: [Run.self, Schedule.self, PolicyCommand.self]),
            CommandGroup(name: "Assurance", subcommands: [Status.self, Drill.self, RunbookCommand.self]),
            CommandGroup(name: "Retention", subcommands: [Forget.self, Prune.self, Erase.self]),
        ]
    )
}
