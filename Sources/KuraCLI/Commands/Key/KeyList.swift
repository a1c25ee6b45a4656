import ArgumentParser
import Foundation
import KuraRepository

struct KeyList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the repository's keys: ID, name, role, created, created by, expires, last used."
    )

    @OptionGroup var repository: RepositoryOptions

    @Flag(help: "One JSON object per key.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            let opened = try await repository.open()
            let keys = try await opened.keyListing()
            let repositoryEpoch = opened.keyEpoch.repository
            if !json { print("ID        ROLE     CREATED     BY        EXPIRES     LAST USED   NAME") }
            for key in keys {
                let slot = key.slot
                if json {
                    Output.jsonLine(["id": slot.id.hex, "name": slot.name, "role": slot.role.rawValue,
                                     "created": KuraTime.format(slot.created), "createdBy": slot.createdBy?.hex ?? NSNull(),
                                     "expires": slot.expires.map(KuraTime.format) ?? NSNull(),
                                     "lastUsed": key.lastUsed.map(KuraTime.format) ?? NSNull(),
                                     "trusted": key.trusted, "current": slot.id == opened.keySlot.id,
                                     "signingKey": slot.signingKey ?? NSNull(), "epoch": key.epoch,
                                     "opensWith": slot.opensWithKeyFile ? "key-file" : "password"])
                } else {
                    let columns = [slot.id.short, slot.role.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0),
                                   Self.day(slot.created), slot.createdBy?.short ?? "-       ",
                                   (slot.expires.map(Self.day) ?? "never").padding(toLength: 10, withPad: " ", startingAt: 0),
                                   (key.lastUsed.map(Self.day) ?? "never").padding(toLength: 10, withPad: " ", startingAt: 0)]
                    Output.line(columns.joined(separator: "  ") + "  \(slot.name)"
                          + (slot.opensWithKeyFile ? "  (key file)" : "")
                          + (slot.id == opened.keySlot.id ? "  (this key)" : "")
                          + (key.trusted ? "" : "  UNTRUSTED: not certified by an admin key")
                          + (key.epoch < repositoryEpoch
                             ? "  BEHIND: holds key epoch \(key.epoch), the repository's is \(repositoryEpoch); it cannot write" : ""))
                }
            }
        }
    }

    private static func day(_ date: Date) -> String { String(KuraTime.format(date).prefix(10)) }
}
