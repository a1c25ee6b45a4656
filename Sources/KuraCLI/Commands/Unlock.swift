import ArgumentParser
import Foundation
import KuraRepository

/// `kura unlock`: clears locks left by processes that are gone.
struct Unlock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove locks whose holders are gone; list the live ones.",
        discussion: """
            A lock from this host is stale when its process no longer runs; a lock from another \
            host is stale when it has not been renewed for 30 minutes, and a lock that cannot be \
            read (listed as unreadable) when it has not been written for 30 minutes. Every kura \
            command already clears stale locks, so this is for looking, and for --remove-all.

            Examples:
              kura unlock
              kura unlock --remove-all     # only when no kura is using the repository
            """
    )

    @OptionGroup var repository: RepositoryOptions

    @Flag(help: "Remove every lock, live ones too. Only when no kura process uses the repository.")
    var removeAll = false

    func run() async throws {
        try await reportingErrors {
            let opened = try await repository.open()
            var removed = 0, live = 0, unreadable = 0
            for lock in try await opened.locks() {
                let holder = lock.holderDescription
                if lock.isStale {
                    Output.line("removed stale lock \(lock.name.name): \(holder)")
                    removed += 1
                } else if removeAll {
                    try await opened.backend.delete(lock.name)
                    Output.line("removed lock \(lock.name.name): \(holder)")
                    removed += 1
                } else if lock.record == nil {
                    print("unreadable lock \(lock.name.name): \(holder); kept until 30 minutes old (--remove-all removes it)")
                    unreadable += 1
                } else {
                    Output.line("live lock \(lock.name.name): \(holder)")
                    live += 1
                }
            }
            print("\(removed) lock(s) removed, \(live) live lock(s) kept" + (unreadable > 0 ? ", \(unreadable) unreadable lock(s) kept" : ""))
        }
    }
}
