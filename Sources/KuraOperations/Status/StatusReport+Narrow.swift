import Foundation
import KuraRepository

extension StatusReport {
    /// The report of one subject and the repositories it is in; `StatusError.unknownSubject`
    /// when neither the policy nor a repository knows it.
    public func narrowed(to subject: String) throws -> StatusReport {
        guard let found = self.subject(named: subject) else { throw StatusError.unknownSubject(subject) }
        var report = self
        report.subjects = [found]
        let names = Set(found.copies.map(\.repository))
        report.repositories = repositories.filter { names.contains($0.name) }
        return report
    }
}

extension Policy {
    /// The repositories in the order subjects name them (priority first, primary before
    /// copies), then those no subject names, by name: the order status reads and lists them.
    public var repositoriesInSubjectOrder: [RepositoryPolicy] {
        var names: [String] = []
        for subject in subjects {
            for name in subject.repositories where !names.contains(name) { names.append(name) }
        }
        for name in repositories.keys.sorted() where !names.contains(name) { names.append(name) }
        return names.compactMap { repositories[$0] }
    }
}
