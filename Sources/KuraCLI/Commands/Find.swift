import ArgumentParser
import Foundation
import KuraEngine
import KuraRepository

/// `kura find`: which generations hold paths matching a pattern.
struct Find: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find which generations hold matching files.",
        discussion: """
            A PATTERN without / matches entry names anywhere ("*.conf"); a PATTERN with / \
            matches whole paths ("/etc/ssh/*"), as --exclude does. Several patterns match \
            any of them. Generations are searched oldest first.

            Examples:
              kura find sshd_config
              kura find --subject home '*.kdbx' --json
              kura find '/var/lib/postgresql/*/main/PG_VERSION'
            """
    )

    @OptionGroup var repository: RepositoryOptions

    @Option(help: "Only this subject's generations.")
    var subject: String?

    @Flag(help: "Print one JSON document: a list of matches.")
    var json = false

    @Argument(help: "Glob patterns.")
    var patterns: [String]

    func validate() throws {
        do { _ = try GlobMatcher(patterns: patterns) } catch { throw ValidationError(error.description) }
    }

    func run() async throws {
        try await reportingErrors {
            let opened = try await (subject.map(repository.forSubject) ?? repository.resolved()).open()
            let generations = try await opened.generations().valid.filter { subject == nil || $0.generation.subject == subject }
            let found = try await PathFinder(repository: opened, patterns: patterns).find(in: generations)
            if json {
                print(try Output.prettyJSON(found.map(Self.jsonObject)))
                return
            }
            var current: GenerationID?
            for entry in found {
                if entry.generation.id != current {
                    current = entry.generation.id
                    let time = KuraTime.format(entry.generation.generation.time).prefix(19).replacingOccurrences(of: "T", with: " ")
                    Output.line("\(entry.generation.name) \(entry.generation.id.short) \(time)")
                }
                Output.line(bytes: Array("  ".utf8) + List.line(entry.node, path: entry.pathBytes))
            }
            let generationCount = Set(found.map(\.generation.id)).count
            Output.line("\(found.count) match(es) in \(generationCount) of \(generations.count) generation(s)")
        }
    }

    static func jsonObject(_ entry: FoundEntry) -> [String: Any] {
        let node = entry.node
        return ["generation": entry.generation.name, "id": entry.generation.id.hex,
                "time": KuraTime.format(entry.generation.generation.time), "path": entry.path,
                "type": node.kind.rawValue, "size": node.size, "mode": node.mode,
                "mtime": KuraTime.format(node.mtime)]
    }
}
