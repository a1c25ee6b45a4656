import ArgumentParser
import Foundation
import KuraEngine
import KuraRepository

/// `kura erase`: crypto-erase a subject or the whole repository (admin keys only).
struct Erase: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Erase a subject's generations and data, or destroy every key of the repository.",
        discussion: """
            --subject NAME deletes every generation of the subject, its drill records, and the data \
            only it uses: packs holding such blobs are deleted or rewritten without them (a prune \
            with --max-unused 0%). Blobs shared with other subjects stay. A signed `erase-subject` \
            entry goes to the audit log and is printed as a certificate.

            --repository deletes every key slot, so no password opens the repository and nothing \
            in it can be decrypted any more; with --delete-data also the packs, index files, \
            generation and drill records. Copies the storage keeps (versioning, snapshots, backups \
            of the disk) are not reached: see docs/ERASE.md. Prints a certificate signed by the \
            acting admin key, verifiable offline.

            Without --yes, a terminal asks to type the subject name (or the repository ID); with \
            no terminal, --yes is required.

            Examples:
              kura erase --subject old-laptop
              kura erase --subject old-laptop --yes --json > erase-certificate.json
              kura erase --repository --yes --json > repository-erased.json
            """
    )

    @OptionGroup var repository: RepositoryOptions

    @Option(help: ArgumentHelp("Erase this subject's generations and the data only they use.", valueName: "NAME"))
    var subject: String?

    @Flag(name: .customLong("repository"), help: "Crypto-erase the whole repository: destroy every key slot.")
    var wholeRepository = false

    @Flag(help: "With --repository: also delete packs, index files, generation and drill records.")
    var deleteData = false

    @Flag(help: "Do not ask for confirmation.")
    var yes = false

    @Flag(help: "Print the certificate as JSON.")
    var json = false

    func validate() throws {
        guard (subject != nil) != wholeRepository else {
            throw ValidationError("name what to erase: either --subject NAME or --repository")
        }
        if let subject, subject.isEmpty { throw ValidationError("--subject needs a name") }
        if deleteData, !wholeRepository { throw ValidationError("--delete-data goes with --repository only") }
    }

    func run() async throws {
        try await reportingErrors {
            if !yes, !isTerminal(0) {
                throw CommandFailure(message: "erase asks for confirmation on a terminal and there is none; "
                                     + "pass --yes to erase without asking")
            }
            if let subject {
                try await eraseSubject(subject)
            } else {
                try await eraseRepository()
            }
        }
    }

    private func eraseSubject(_ subject: String) async throws {
        let opened = try await repository.forSubject(subject).open()
        let eraser = SubjectEraser(repository: opened, stepPause: Prune.testStepPause,
                                   onMessage: { if !json { Output.error($0) } })
        let plan = try await eraser.plan(subject: subject)
        if !yes {
            Output.error("This deletes \(plan.generations.count) generation(s) of \(subject) and "
                         + "\(plan.uniqueBlobs.count) blob(s) only they use (\(Output.bytes(plan.uniqueBytes))); "
                         + "\(plan.sharedBlobs) blob(s) shared with other subjects stay.")
            try Self.confirm(expecting: subject, what: "the subject name")
        }
        let erasure = try await eraser.erase(plan)
        if let path = erasure.treeCacheRemoved { Output.error("removed the local tree cache \(path)") }
        if erasure.blobsStillStored > 0 {
            Output.error("warning: \(erasure.blobsStillStored) blob(s) of \(subject) are still stored: a backup that "
                         + "finished during the erase uses the same content")
        }
        try Self.print(erasure.certificate, json: json, extra: [
            "shared blobs (used by other subjects too) were kept",
            "backup hosts may hold a tree cache of \(subject) with its file names: delete ~/.cache/kura/trees/"
                + "\(erasure.treeCacheName) there (docs/ERASE.md)",
            "the audit log keeps the subject's name and its generations' names and IDs, not their contents",
        ])
    }

    private func eraseRepository() async throws {
        let opened = try await repository.open()
        let eraser = RepositoryEraser(repository: opened)
        try eraser.requireAllowed()
        if !yes {
            Output.error("This destroys every key slot of repository \(opened.config.id.hex): no password will open it "
                         + "and nothing in it can be decrypted again" + (deleteData ? "; its data is deleted too." : "."))
            try Self.confirm(expecting: opened.config.id.hex, what: "the repository ID")
        }
        let erasure = try await eraser.erase(deleteData: deleteData)
        if erasure.treeCachesRemoved > 0 { Output.error("removed \(erasure.treeCachesRemoved) local tree cache file(s)") }
        try Self.print(erasure.certificate, json: json, extra: [
            deleteData ? "data objects were deleted" : "data objects were kept; they cannot be decrypted without a key slot",
            "storage may keep older copies (versioning, snapshots, backups of the disk); see docs/ERASE.md",
            "backup hosts may hold tree caches with file names: delete ~/.cache/kura/trees/\(erasure.treeCachePrefix)* there",
        ])
    }

    /// Asks on the terminal to type `expected`.
    static func confirm(expecting expected: String, what: String) throws {
        guard let line = TerminalConfirmation.readLine(prompt: "Type \(what) to confirm: ") else {
            throw CommandFailure(message: "erase asks for confirmation on a terminal and there is none; pass --yes")
        }
        guard line == expected else { throw EraseError.notConfirmed(what) }
    }

    static func print(_ certificate: ErasureCertificate, json: Bool, extra: [String]) throws {
        if json {
            Swift.print(try Output.prettyJSON(certificate.json))
            return
        }
        let fields = certificate.fields
        Output.line("Kura erase certificate (\(fields["action"] as? String ?? "?"))")
        for key in fields.keys.sorted() where key != "format" {
            Output.line("  \(key): " + Self.text(fields[key] ?? ""))
        }
        for line in extra { Output.line("  note: \(line)") }
        Swift.print("  signature (ed25519 over the payload below): \(certificate.json["signature"] ?? "")")
        Swift.print("  public key: \(certificate.json["publicKey"] ?? "")")
        Swift.print("  payload: \(certificate.payload)")
    }

    private static func text(_ value: Any) -> String {
        if let object = value as? [String: Any] {
            return object.keys.sorted().map { "\($0)=\(text(object[$0] ?? ""))" }.joined(separator: " ")
        }
        if let list = value as? [Any] { return list.map { "[\(text($0))]" }.joined(separator: ", ") }
        return "\(value)"
    }
}
