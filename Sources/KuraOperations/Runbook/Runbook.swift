import Foundation
import KuraRepository
import KuraStorage

/// `kura runbook`: the recovery runbook for the policy's subjects, in restore order, built
/// from the policy (targets, repositories, password sources) and what the repositories hold
/// now (generations, last drills, keys). It names password sources, never secrets.
public enum Runbook {
    /// Where the printed restore commands put files unless the admin chooses another folder.
    public static let defaultRestoreRoot = "/srv/restore"

    /// - Parameters:
    ///   - report: the status of every subject, from `StatusReport.evaluate`.
    ///   - access: how to reach each repository (location, password source), by name.
    ///   - subject: only this subject, if given.
    ///   - restoreRoot: restore commands put each subject in a folder of its own below this one.
    public static func build(report: StatusReport, access: [String: RepositoryPolicy], policy: Policy?,
                             subject only: String? = nil, restoreRoot: String = defaultRestoreRoot) -> RunbookDocument {
        var document = RunbookDocument(title: only.map { "Kura recovery runbook: \($0)" } ?? "Kura recovery runbook")
        let subjects = report.subjects.filter { only == nil || $0.name == only }
        var made = "Made at \(StatusReport.shortTime(report.time)) UTC"
        made += policy.map { " from the policy `\($0.file)` and the records in its repositories." }
            ?? " from the records in `\(report.repositories.first?.location ?? "the repository")` (no policy file)."
        made += " Make it again after every policy change (`kura runbook --output FILE`), and keep a copy where it can be read when the backed-up hosts are gone."
        document.blocks.append(.paragraph(made))

        document.blocks.append(.heading(level: 2, text: "Before you start", anchor: "before"))
        document.blocks.append(.list([
            "Restore in this order: " + (subjects.isEmpty ? "(no subject)"
                : subjects.enumerated().map { "\($0.offset + 1). `\($0.element.name)`" }.joined(separator: ", ")) + ".",
            "Restoring needs a key with the **admin** or **restore** role. A backup key cannot read old data and an auditor key reads records only (`kura generations`, `kura status`).",
            "Each repository's password comes from the source named below; the secret itself is never written here.",
            "Run restores as root so owners and permissions come back; `kura restore` refuses to replace files unless `--overwrite` is given.",
            "Exit codes: 10 no repository at that location, 11 locked by a live process, 12 wrong password, 13 damaged data (docs/EXIT-CODES.md). Any of these on the primary: go to its \"If … is unavailable\" step.",
        ]))

        for (position, subject) in subjects.enumerated() {
            document.blocks.append(contentsOf: section(subject, order: position + 1, report: report, access: access,
                                                       policy: policy, restoreRoot: restoreRoot))
        }
        if subjects.isEmpty {
            document.blocks.append(.paragraph("No subject to restore: the policy names none and the repositories hold no generation."))
        }
        return document
    }

    private static func section(_ subject: SubjectStatus, order: Int, report: StatusReport,
                                access: [String: RepositoryPolicy], policy: Policy?, restoreRoot: String) -> [RunbookDocument.Block] {
        var blocks: [RunbookDocument.Block] = []
        let title = "\(order). \(subject.name)" + (subject.priority.map { " (priority \($0))" } ?? "")
        blocks.append(.heading(level: 2, text: title, anchor: "subject-\(subject.name)"))
        var facts: [String] = []
        facts.append("Targets: RPO " + (subject.rpo.map { "**\(Durations.format($0))**" } ?? "none")
                     + ", RTO " + (subject.rto.map { "**\(Durations.format($0))**" } ?? "none") + ".")
        if let paths = policy?.subject(named: subject.name)?.paths, !paths.isEmpty {
            facts.append("Paths: " + paths.map { "`\($0)`" }.joined(separator: ", ") + ".")
        }
        if !subject.inPolicy { facts.append("Not in the policy: found in the repositories only.") }
        facts.append("Expected duration of a full restore: " + expectedDuration(subject) + ".")
        facts.append("Last drill: " + lastDrill(subject) + ".")
        facts.append("State when this runbook was made: **\(subject.state.rawValue)**"
                     + (subject.breaches.isEmpty ? "." : " (" + subject.breaches.joined(separator: "; ") + ")."))
        blocks.append(.list(facts))

        blocks.append(.heading(level: 3, text: "Where the data is", anchor: nil))
        let rows = subject.copies.enumerated().map { position, copy -> [String] in
            let keys = report.repositories.first { $0.name == copy.repository }?.keys.filter(\.canRestore)
                .map { "\($0.name) (\($0.role.rawValue))" } ?? []
            return [
                "\(position + 1)" + (copy.isPrimary ? " (primary)" : ""),
                "`\(copy.repository)`",
                "`\(copy.location)`",
                copy.unreadable == nil ? "\(copy.generationCount)" : "unreadable",
                copy.newest.map { "\(subject.name)@\($0.number), \(StatusReport.shortTime($0.time)) UTC" } ?? "none",
                copy.unreadable != nil ? "unknown" : keys.isEmpty ? "none found" : keys.joined(separator: ", "),
            ]
        }
        blocks.append(.table(header: ["order", "repository", "location", "generations", "newest", "keys that can restore"],
                             rows: rows))

        for (position, copy) in subject.copies.enumerated() {
            let repository = access[copy.repository]
                ?? RepositoryPolicy(name: copy.repository, location: copy.location)
            if position == 0 {
                blocks.append(.heading(level: 3, text: "Restore from `\(copy.repository)`", anchor: nil))
            } else {
                let previous = subject.copies[position - 1].repository
                blocks.append(.heading(level: 3, text: "If `\(previous)` is unavailable: restore from `\(copy.repository)`", anchor: nil))
                if let newest = copy.newest, let primaryNewest = subject.copies.first?.newest, newest.time < primaryNewest.time {
                    blocks.append(.paragraph("This copy may be older than the primary: its newest generation was made at "
                                             + "\(StatusReport.shortTime(newest.time)) UTC."))
                }
            }
            blocks.append(contentsOf: steps(subject: subject.name, repository: repository, copy: copy, config: policy?.file,
                                            target: restoreRoot + "/" + subject.name,
                                            sameAs: position == 0 ? nil : subject.copies[0].repository))
        }
        if subject.copies.count == 1, let only = subject.copies.first {
            blocks.append(.heading(level: 3, text: "If `\(only.repository)` is unavailable", anchor: nil))
            let why = policy == nil ? "this runbook was made from one repository, without a policy file"
                                    : "the policy sends `\(subject.name)` to one repository only"
            blocks.append(.paragraph("There is no other copy: \(why). Bring `\(only.repository)` back (storage, network, "
                                     + "credentials) or restore from outside Kura; then give the subject a second "
                                     + "repository in the policy."))
        }
        return blocks
    }

    private static func steps(subject: String, repository: RepositoryPolicy, copy: SubjectCopyStatus,
                              config: String?, target: String, sameAs first: String?) -> [RunbookDocument.Block] {
        let flags = access(repository)
        func command(_ words: String) -> String { "kura " + words + flags }
        var blocks: [RunbookDocument.Block] = []
        if let first {
            blocks.append(.paragraph("The same steps as for `\(first)`, with a key with the admin or restore role in "
                                     + "`\(repository.name)`; " + passwordSource(repository) + "."))
        } else {
            blocks.append(.steps(steps(subject: subject, repository: repository)))
        }
        if S3Location.isS3(repository.location) {
            blocks.append(.paragraph("`\(repository.name)` is on S3: the storage credentials come from `AWS_ACCESS_KEY_ID` "
                                     + "and `AWS_SECRET_ACCESS_KEY` (or an `AWS_PROFILE` in `~/.aws/credentials`), "
                                     + "which must be set before these commands."))
        }
        var lines = [
            command("generations --subject \(ShellWords.quote(subject))"),
            command("check"),
            "mkdir -p \(ShellWords.quote(target))",
            command("restore \(ShellWords.quote(subject + "@latest")) --target \(ShellWords.quote(target)) --verify"),
        ]
        if let config {
            lines.append("kura status \(ShellWords.quote(subject)) --config \(ShellWords.quote(config))"
                         + "    # afterwards: the subject's state and the next backup")
        }
        blocks.append(.commands(lines))
        if copy.unreadable != nil {
            blocks.append(.paragraph("When this runbook was made `\(repository.name)` could not be read: \(copy.unreadable ?? "")."))
        }
        return blocks
    }

    private static func steps(subject: String, repository: RepositoryPolicy) -> [String] {
        [
            "Key: one with the admin or restore role in `\(repository.name)`; " + passwordSource(repository) + ".",
            "List the generations (any role that reads records: admin, restore, auditor) and pick one; `\(subject)@latest` is the newest.",
            "Check the repository's structure (admin or restore). Exit 3 names damaged objects and the generations they affect: choose an unaffected generation or the next repository.",
            "Restore into an empty folder (admin or restore). Files come back under their full original paths below the target, verified as they are read.",
            "Move the restored files into place (or restore with `--target /` and `--overwrite` to put them back directly), then start the services that use them.",
        ]
    }

    /// The flags that reach `repository`: location, password source, S3 endpoint and region.
    static func access(_ repository: RepositoryPolicy) -> String {
        var flags = " --repo " + ShellWords.quote(repository.location)
        if let file = repository.keyFile {
            flags += " --key-file " + ShellWords.quote(file)
        } else if let file = repository.passwordFile {
            flags += " --password-file " + ShellWords.quote(file)
        } else if let command = repository.passwordCommand {
            flags += " --password-command " + ShellWords.quote(command)
        }
        if let endpoint = repository.s3Endpoint { flags += " --s3-endpoint " + ShellWords.quote(endpoint) }
        if let region = repository.s3Region { flags += " --s3-region " + ShellWords.quote(region) }
        return flags
    }

    static func passwordSource(_ repository: RepositoryPolicy) -> String {
        if let file = repository.keyFile { return "it is opened by the key file `\(file)` (no password)" }
        if let file = repository.passwordFile { return "its password is in the file `\(file)`" }
        if let command = repository.passwordCommand { return "its password is the first line the command `\(command)` prints" }
        return "kura asks for its password at the terminal"
    }

    static func expectedDuration(_ subject: SubjectStatus) -> String {
        guard let drill = subject.lastDrill else {
            return "unknown: no drill has been recorded (run `kura drill \(subject.name)` to measure one)"
        }
        return "**\(Durations.format(drill.estimatedFullSeconds))**, extrapolated from the drill of "
            + "\(StatusReport.shortTime(drill.time)) UTC (\(String(format: "%.0f", drill.sample * 100))% restored in "
            + "\(Durations.format(drill.seconds)))"
    }

    static func lastDrill(_ subject: SubjectStatus) -> String {
        guard let drill = subject.lastDrill else { return "none" }
        let verdict = switch drill.result {
        case .passed: "passed"
        case .failed: "**failed**: \(drill.mismatches) file(s) did not match"
        case .overRTO: "**over the RTO** of \(Durations.format(drill.rto ?? 0))"
        }
        return "\(subject.name)@\(drill.generationNumber) in `\(drill.repository)` at "
            + "\(StatusReport.shortTime(drill.time)) UTC on \(drill.host): \(verdict)"
            + (subject.drillOverdue ? "; a new drill is overdue" : "")
    }
}
