import Foundation
import KuraOperations
import KuraRepository
import KuraStorage

/// Opens the repositories that status and runbook look at and reads their records. A
/// repository that cannot be opened is reported on standard error and kept as unreadable,
/// so one unreachable copy does not hide the others.
struct RecordsGathering {
    var policy: Policy?
    /// How each repository is reached (location, password source), by name.
    var access: [String: RepositoryPolicy]
    var records: [RepositoryRecords]

    /// With a policy: every repository of the policy (only the subject's, when a policy
    /// subject is named), each opened with its own location and password source; `--repo
    /// NAME` narrows to that policy repository. Without a policy, or when `--repo` or
    /// KURA_REPOSITORY names a location outside it: that one repository, opened as every
    /// other command opens it, so its errors keep their usual exit codes.
    static func gather(_ options: RepositoryOptions, subject: String?) async throws -> RecordsGathering {
        let policy = try options.policy.load()
        let named = options.namedRepository
        guard let policy, named == nil || policy.repositories[named ?? ""] != nil else {
            let resolved = try options.resolved()
            let location = resolved.location
            let opened = try await resolved.open()
            let records = await RepositoryRecords.read(name: location, location: location, from: opened)
            return RecordsGathering(policy: nil, access: [location: resolved.passwordSourceDescription(name: location)],
                                    records: [records])
        }
        var entries = policy.repositoriesInSubjectOrder
        if let named {
            entries = entries.filter { $0.name == named }
        } else if let subject, let entry = policy.subject(named: subject) {
            entries = entries.filter { entry.repositories.contains($0.name) }
        }
        var access: [String: RepositoryPolicy] = [:]
        for entry in entries {
            access[entry.name] = options.forRepository(entry).passwordSourceDescription(name: entry.name)
        }
        // Opened side by side, since an unreachable S3 server can take its whole retry budget;
        // one at a time when a password is asked at the terminal, so prompts do not mix.
        if access.values.contains(where: { $0.passwordFile == nil && $0.passwordCommand == nil }) {
            var records: [RepositoryRecords] = []
            for entry in entries { records.append(await read(entry, options: options.forRepository(entry))) }
            return RecordsGathering(policy: policy, access: access, records: records)
        }
        let byName = await withTaskGroup(of: RepositoryRecords.self) { group in
            for entry in entries {
                let options = options.forRepository(entry)
                group.addTask { await read(entry, options: options) }
            }
            var records: [String: RepositoryRecords] = [:]
            for await record in group { records[record.name] = record }
            return records
        }
        return RecordsGathering(policy: policy, access: access, records: entries.compactMap { byName[$0.name] })
    }

    /// Reads one policy repository; failures become unreadable records and a line on stderr.
    static func read(_ repository: RepositoryPolicy, options: RepositoryOptions) async -> RepositoryRecords {
        do {
            let opened = try await options.open()
            return await RepositoryRecords.read(name: repository.name, location: repository.location, from: opened)
        } catch {
            let reason = String(describing: error)
            Output.error("kura: repository \(repository.name) (\(repository.location)) cannot be read: \(reason)")
            return RepositoryRecords(name: repository.name, location: repository.location, contents: .unreadable(reason))
        }
    }

    /// The report, narrowed to `subject` when one is named.
    func report(subject: String?) throws -> StatusReport {
        let report = StatusReport.evaluate(policy: policy, records: records, now: KuraClock.now)
        return try subject.map(report.narrowed) ?? report
    }
}

extension RepositoryOptions {
    /// The repository as the runbook spells it: location, S3 flags and the password source
    /// (a file or command name, never the password).
    func passwordSourceDescription(name: String) -> RepositoryPolicy {
        let environment = ProcessInfo.processInfo.environment
        let keyFile = openingKeyFile
        var file = passwordFile
        var command = passwordCommand
        if file == nil, command == nil, keyFile == nil {
            file = environment["KURA_PASSWORD_FILE"].flatMap { $0.isEmpty ? nil : $0 }
            command = file == nil ? environment["KURA_PASSWORD_COMMAND"].flatMap { $0.isEmpty ? nil : $0 } : nil
        }
        let shown = if case .local(let path)? = try? RepositoryLocation(parsing: location) { Self.absolute(path) } else { location }
        var described = RepositoryPolicy(name: name, location: shown, passwordFile: file.map(Self.absolute),
                                         passwordCommand: command, s3Endpoint: s3Endpoint, s3Region: s3Region)
        described.keyFile = keyFile.map(Self.absolute)
        return described
    }

    /// A relative path made absolute, so printed commands work from any folder.
    static func absolute(_ path: String) -> String {
        guard !path.hasPrefix("/") else { return path }
        return FileManager.default.currentDirectoryPath + "/" + path
    }
}
