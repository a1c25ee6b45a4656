import Foundation
import KuraRepository

extension StatusReport {
    /// Opens each repository of the policy with `open` (as `PolicyRunner.Opener` does), reads
    /// its records and evaluates every subject at `now`. A repository that cannot be opened
    /// is unreadable, so its subjects are in breach. `kura run` ends with this.
    public static func gather(policy: Policy, now: Date,
                              open: (RepositoryPolicy) async throws -> Repository) async -> StatusReport {
        var records: [RepositoryRecords] = []
        for entry in policy.repositoriesInSubjectOrder {
            do {
                records.append(await RepositoryRecords.read(name: entry.name, location: entry.location, from: try await open(entry)))
            } catch {
                records.append(RepositoryRecords(name: entry.name, location: entry.location, contents: .unreadable("\(error)")))
            }
        }
        return evaluate(policy: policy, records: records, now: now)
    }
}
