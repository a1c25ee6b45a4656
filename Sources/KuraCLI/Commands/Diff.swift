import ArgumentParser
import Foundation
import KuraEngine
import KuraRepository

/// `kura diff`: what changed between two generations.
struct Diff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what changed between two generations.",
        discussion: """
            Each line is a change and a path: + added, - removed, M content changed, T type \
            changed, U metadata only (mode, owner, mtime, xattrs). The last line sums it up.

            Examples:
              kura diff home@6 home@7
              kura diff etc@1 etc@latest --json
            """
    )

    @OptionGroup var repository: RepositoryOptions

    @Argument(help: "The older generation.")
    var old: String

    @Argument(help: "The newer generation.")
    var new: String

    @Flag(help: "Print changes and the summary as JSON lines.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            let opened = try await repository.forGeneration(old).open()
            let generations = try await opened.generations().valid
            let from = try opened.resolveGeneration(old, in: generations)
            let to = try opened.resolveGeneration(new, in: generations)
            let summary = try await GenerationDiff(repository: opened).run(from: from, to: to) { change in
                if json {
                    Output.jsonLine(["type": "change", "change": change.kind.rawValue, "path": change.path])
                } else {
                    Output.line(bytes: Array("\(change.kind.rawValue)    ".utf8) + change.pathBytes)
                }
            }
            if json {
                Output.jsonLine(["type": "summary", "from": from.name, "to": to.name, "added": summary.added,
                                 "removed": summary.removed, "modified": summary.modified,
                                 "metadata_only": summary.metadataOnly, "bytes_added": summary.bytesAdded,
                                 "bytes_removed": summary.bytesRemoved])
            } else {
                Output.line("\(from.name) → \(to.name): \(summary.added) added, \(summary.removed) removed, "
                      + "\(summary.modified) changed, \(summary.metadataOnly) metadata only; "
                      + "+\(Output.bytes(summary.bytesAdded)) −\(Output.bytes(summary.bytesRemoved)) of file content")
            }
        }
    }
}
