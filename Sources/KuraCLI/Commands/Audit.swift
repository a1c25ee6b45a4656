import ArgumentParser
import Foundation
import KuraRepository

/// `kura audit`: the signed, hash-chained log of administrative acts.
struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read and verify the audit log of administrative acts.",
        subcommands: [AuditLogCommand.self, AuditHeadCommand.self, AuditVerify.self]
    )
}

struct AuditLogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "log", abstract: "List the audit log's entries, oldest first.")

    @OptionGroup var repository: RepositoryOptions

    @Flag(help: "One JSON object per entry.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            let log = try await repository.open().auditLog()
            let formatter = ISO8601DateFormatter()
            for stored in log.entries {
                let entry = stored.entry
                if json {
                    Output.jsonLine(["sequence": entry.sequence, "id": stored.id.hex, "time": formatter.string(from: entry.time),
                                     "actor": entry.actor.hex, "action": entry.action, "details": entry.details,
                                     "host": entry.host, "previous": entry.previous?.hex ?? NSNull()])
                } else {
                    let details = entry.details.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                    Output.line(String(format: "%5d  ", entry.sequence) + formatter.string(from: entry.time)
                          + "  \(entry.actor.short)  \(entry.action)" + (details.isEmpty ? "" : "  \(details)"))
                }
            }
            for (name, reason) in log.unreadable { Output.error("warning: audit object \(name): \(reason)") }
        }
    }
}

struct AuditHeadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "head",
        abstract: "Print the newest entry's sequence number and ID, to keep somewhere else as a witness.",
        discussion: "Later, `kura audit verify --witness FILE` proves the log still reaches that entry."
    )

    @OptionGroup var repository: RepositoryOptions

    func run() async throws {
        try await reportingErrors {
            guard let head = try await repository.open().auditLog().head else {
                throw CommandFailure(message: "the audit log is empty; run `kura audit verify`", status: .problemsFound)
            }
            print(head.description)
        }
    }
}

struct AuditVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the audit log's chain, signatures and keys, the heads recorded in generations and a witness, and that the generation and drill records it names exist.",
        discussion: "Exits 0 when the log is intact, 3 naming each problem (one per line) otherwise."
    )

    @OptionGroup var repository: RepositoryOptions

    @Option(help: "A file holding a head printed earlier by `kura audit head` (SEQUENCE ID).")
    var witness: String?

    func run() async throws {
        try await reportingErrors {
            let opened = try await repository.open()
            var heads: [(AuditHead, String)] = []
            if let witness {
                guard let text = try? String(contentsOfFile: witness, encoding: .utf8) else {
                    throw CommandFailure(message: "cannot read the witness file \(witness)", status: .failure)
                }
                guard let head = text.split(separator: "\n").last(where: { !$0.isEmpty }).flatMap({ AuditHead(line: String($0)) }) else {
                    throw CommandFailure(message: "the witness file \(witness) does not hold a head line (SEQUENCE ID from `kura audit head`)")
                }
                heads.append((head, "the witness file"))
            }
            for stored in try await opened.generations().valid {
                if let head = stored.generation.auditHead { heads.append((head, "generation \(stored.name)")) }
            }
            let log = try await opened.auditLog()
            let verifier = AuditVerifier(log: log, signers: try await opened.auditSigners(), keySlots: try await opened.allKeySlots())
            let problems = verifier.problems(heads: heads)
                + (try await opened.missingRecords(log: log)).map { "\($0.object) \($0.reason)" }
                + (try await opened.keyProblems()).map { "\($0.object) \($0.reason)" }
            guard problems.isEmpty else {
                for problem in problems { Output.error(problem) }
                throw CommandFailure(message: "the audit log has \(problems.count) problem(s)", status: .problemsFound)
            }
            print("audit log intact: \(log.entries.count) entries, head \(log.head?.description ?? "none"), "
                  + "\(heads.count) recorded head(s) reached")
        }
    }
}
