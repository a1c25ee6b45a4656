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

    /// - Parameter subject: only the repositories this subject goes to (all when it is not in the policy).
    static func gather(_ options: RepositoryOptions, subject: String?) async throws -> RecordsGathering {
        // Without a policy: the one repository of --repo / KURA_REPOSITORY, opened as every
        // other command opens it, so its errors keep their usual exit codes.
        let location = options.location
        let opened = try await options.open()
        let records = await RepositoryRecords.read(name: location, location: location, from: opened)
        return RecordsGathering(policy: nil, access: [location: options.passwordSourceDescription(name: location)],
                                records: [records])
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
        var report = StatusReport.evaluate(policy: policy, records: records, now: KuraClock.now)
        if let subject {
            guard let found = report.subject(named: subject) else { throw StatusError.unknownSubject(subject) }
            report.subjects = [found]
            let names = Set(found.copies.map(\.repository))
            report.repositories = report.repositories.filter { names.contains($0.name) }
        }
        return report
    }
}

extension RepositoryOptions {
    /// The repository as the runbook spells it: location, S3 flags and the password source
    /// (a file or command name, never the password).
    func passwordSourceDescription(name: String) -> RepositoryPolicy {
        let environment = ProcessInfo.processInfo.environment
        let file = passwordFile ?? environment["KURA_PASSWORD_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        let command = file == nil ? environment["KURA_PASSWORD_COMMAND"].flatMap { $0.isEmpty ? nil : $0 } : nil
        return RepositoryPolicy(name: name, location: Self.absolute(location), passwordFile: file.map(Self.absolute),
                                passwordCommand: command, s3Endpoint: s3Endpoint, s3Region: s3Region)
    }

    /// A relative local path made absolute, so printed commands work from any folder.
    static func absolute(_ path: String) -> String {
        guard !path.hasPrefix("/"), !S3Location.isS3(path) else { return path }
        return FileManager.default.currentDirectoryPath + "/" + path
    }
}
