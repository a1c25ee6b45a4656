import ArgumentParser
import Foundation
import KuraEngine
import KuraRepository

/// `kura stats`: how much the generations hold, restored or stored.
struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Count what generations hold: as restored, or as stored after deduplication.",
        discussion: """
            --mode restore-size (the default) adds up files, directories and bytes as a restore \
            of each generation would write them. --mode raw-data counts the distinct blobs the \
            generations reference: their size before and after compression and encryption.

            Examples:
              kura stats
              kura stats home@latest
              kura stats --subject home --mode raw-data --json
            """
    )

    @OptionGroup var repository: RepositoryOptions

    @Option(help: "restore-size or raw-data.")
    var mode: StatisticsMode = .restoreSize

    @Option(help: "Only this subject's generations (without GEN).")
    var subject: String?

    @Flag(help: "Print one JSON document.")
    var json = false

    @Argument(help: "One generation (else every generation, or the subject's).")
    var generation: String?

    func validate() throws {
        if generation != nil, subject != nil { throw ValidationError("give either GEN or --subject, not both") }
    }

    func run() async throws {
        try await reportingErrors {
            let options = try generation.map(repository.forGeneration) ?? subject.map(repository.forSubject) ?? repository.resolved()
            let opened = try await options.open()
            let all = try await opened.generations().valid
            let chosen = try generation.map { [try opened.resolveGeneration($0, in: all)] }
                ?? all.filter { subject == nil || $0.generation.subject == subject }
            let totals = try await GenerationStatistics.collect(chosen, mode: mode, repository: opened)
            if json {
                var object: [String: Any] = ["mode": mode.rawValue, "generations": totals.generations]
                switch mode {
                case .restoreSize:
                    object.merge(["files": totals.files, "directories": totals.directories, "other_entries": totals.otherEntries,
                                  "total_size": totals.restoreBytes]) { $1 }
                case .rawData:
                    object.merge(["blobs": totals.blobs, "total_uncompressed_size": totals.plaintextBytes,
                                  "total_size": totals.storedBytes]) { $1 }
                }
                print(try Output.prettyJSON(object))
                return
            }
            Output.line("\(totals.generations) generation(s), mode \(mode.rawValue)")
            switch mode {
            case .restoreSize:
                Output.line("  files:        \(totals.files)")
                Output.line("  directories:  \(totals.directories)")
                if totals.otherEntries > 0 { Output.line("  other:        \(totals.otherEntries) (symlinks, devices, FIFOs)") }
                Output.line("  total size:   \(Output.bytes(totals.restoreBytes))")
            case .rawData:
                Output.line("  blobs:        \(totals.blobs)")
                Output.line("  uncompressed: \(Output.bytes(totals.plaintextBytes))")
                Output.line("  stored:       \(Output.bytes(totals.storedBytes))"
                      + (totals.storedBytes > 0 ? String(format: " (ratio %.2f)", Double(totals.plaintextBytes) / Double(totals.storedBytes)) : ""))
            }
        }
    }
}

extension StatisticsMode: ExpressibleByArgument {}
