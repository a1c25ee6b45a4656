import Foundation
import KuraRepository

/// Where every subject stands against its targets at one moment: per subject and per
/// repository it goes to, the newest generation against the RPO and the last drill against
/// the RTO. Built by `StatusReport.evaluate`; `kura status` prints it and `kura run` reads
/// `inBreach` for its exit code.
public struct StatusReport: Sendable {
    /// The moment the report describes (Kura's clock).
    public var time: Date
    /// The policy file, if there was one.
    public var policyFile: String?
    /// Subjects in restore order: policy subjects by priority then name, then subjects found
    /// only in repositories, by name.
    public var subjects: [SubjectStatus]
    public var repositories: [RepositoryStatus]

    /// Whether any subject is in breach (the exit code of `kura status` is 3 then).
    public var inBreach: Bool { subjects.contains { $0.state == .breached } }

    public func subject(named name: String) -> SubjectStatus? { subjects.first { $0.name == name } }
}
