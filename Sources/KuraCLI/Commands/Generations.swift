import ArgumentParser
import Foundation
import KuraRepository

/// `kura generations` (alias `snapshots`): what the repository holds.
struct Generations: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List generations, oldest first.",
        aliases: ["snapshots"]
    )

    @OptionGroup var repository: RepositoryOptions

    @Option(help: "Only this subject's generations.")
    var subject: String?

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            let opened = try await (subject.map(repository.forSubject) ?? repository.resolved()).open()
            let (all, damaged) = try await opened.generations()
            let shown = all.filter { subject == nil || $0.generation.subject == subject }
            if json {
                let objects: [[String: Any]] = shown.map { stored in
                    let g = stored.generation
                    return ["id": stored.id.hex, "name": stored.name, "subject": g.subject, "number": g.number,
                            "time": KuraTime.format(g.time), "host": g.host, "paths": g.paths, "tags": g.tags,
                            "files": g.summary.files, "bytes": g.summary.bytes, "tree": g.tree.hex,
                            "parent": g.parent?.hex ?? NSNull()]
                }
                let data = try JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("ID        Generation          Time                  Host            Files        Size  Paths")
                for stored in shown {
                    let g = stored.generation
                    let time = String(KuraTime.format(g.time).prefix(19)).replacingOccurrences(of: "T", with: " ")
                    Output.line(stored.id.short.padding(toLength: 10, withPad: " ", startingAt: 0)
                          + stored.name.padding(toLength: 20, withPad: " ", startingAt: 0)
                          + time.padding(toLength: 22, withPad: " ", startingAt: 0)
                          + g.host.padding(toLength: 16, withPad: " ", startingAt: 0)
                          + String(g.summary.files).leftPadded(5) + Output.bytes(g.summary.bytes).leftPadded(12)
                          + "  " + g.paths.joined(separator: " "))
                }
                print("\(shown.count) generation(s)")
            }
            for (name, error) in damaged { Output.error("warning: generation \(name.prefix(8)): \(error)") }
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
