import ArgumentParser
import Foundation
import KuraOperations

/// `kura policy`: work with the policy file.
struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Check the policy file (subjects, repositories, RPO/RTO, retention, drills).",
        subcommands: [PolicyCheck.self]
    )
}

/// `kura policy check`: every problem in the policy file, each with its line.
struct PolicyCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the policy file and list every problem with its line.",
        discussion: """
            Exits 0 when the file is valid, 2 when it has problems (one line each on standard \
            error: FILE:LINE: what is wrong and what was expected).

            Example:
              kura policy check --config /etc/kura/kura.toml
            """
    )

    @OptionGroup var policy: PolicyOptions

    func run() async throws {
        try await reportingErrors {
            guard let file = policy.file else { _ = try policy.require(); return }
            do {
                let loaded = try PolicyFile.load(path: file.path)
                Output.line("\(file.path): valid: \(loaded.repositories.count) repositories, \(loaded.subjects.count) subjects")
                for subject in loaded.subjects {
                    var line = "  \(subject.name): priority \(subject.priority), to " + subject.repositories.joined(separator: ", ")
                    if let command = subject.command {
                        line += ", output of `\(command.joined(separator: " "))` as /\(subject.stdinFilename ?? "stdin")"
                    }
                    if let rpo = subject.rpo { line += ", RPO \(Durations.format(rpo))" }
                    if let rto = subject.rto { line += ", RTO \(Durations.format(rto))" }
                    if let drill = subject.drill {
                        line += ", drill every \(Durations.format(drill.every)) (\(Output.percent(drill.sample)))"
                    }
                    Output.line(line)
                }
            } catch PolicyError.invalid(let problems) {
                for problem in problems { Output.error(problem.description) }
                throw CommandFailure(message: "\(file.path): \(problems.count) problem(s)", status: .usage)
            }
        }
    }
}
