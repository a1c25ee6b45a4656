import Foundation
import KuraOperations
import KuraRepository

/// Generation and drill records built in code, for status tests.
enum StatusFixtures {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func generation(_ subject: String, _ number: Int, ago: TimeInterval, seconds: Double = 10) -> Generation {
        Generation(subject: subject, number: number, time: now.addingTimeInterval(-ago), host: "db1", paths: ["/srv/\(subject)"],
                   tags: [], tree: BlobID(bytes: [UInt8](repeating: 1, count: 32)), parent: nil,
                   summary: Generation.Summary(files: 3, bytes: 1000, seconds: seconds),
                   writer: KeyID(bytes: [UInt8](repeating: 2, count: 32)))
    }

    static func drill(_ subject: String, generation: Int = 1, ago: TimeInterval, estimate: Double, rto: Double? = nil,
                      mismatches: [String] = []) -> DrillRecord {
        DrillRecord(subject: subject, generation: GenerationID(bytes: [UInt8](repeating: 3, count: 32)),
                    generationNumber: generation, time: now.addingTimeInterval(-ago), host: "db1", sample: 0.1, files: 2,
                    bytes: 100, totalBytes: 1000, seconds: estimate / 10, estimatedFullSeconds: estimate, rtoSeconds: rto,
                    mismatches: mismatches, writer: KeyID(bytes: [UInt8](repeating: 2, count: 32)))
    }

    static func records(_ name: String, _ generations: [Generation], _ drills: [DrillRecord] = [],
                        keys: [RepositoryKey] = [RepositoryKey(name: "admin", role: .admin)]) -> RepositoryRecords {
        RepositoryRecords(name: name, location: "/srv/kura/\(name)",
                          contents: .read(RepositoryContents(generations: generations, drills: drills, keys: keys)))
    }

    static func subject(_ name: String, priority: Int, rpo: String?, rto: String? = nil, repositories: [String],
                        drillEvery: String? = nil) -> SubjectPolicy {
        var subject = SubjectPolicy(name: name, paths: ["/srv/\(name)"], repositories: repositories)
        subject.priority = priority
        subject.rpo = rpo.flatMap(Durations.parse)
        subject.rto = rto.flatMap(Durations.parse)
        subject.drill = drillEvery.flatMap(Durations.parse).map { DrillPolicy(every: $0, sample: 0.1) }
        return subject
    }

    static func policy(_ subjects: [SubjectPolicy]) -> Policy {
        Policy(file: "/etc/kura/kura.toml",
               repositories: ["main": RepositoryPolicy(name: "main", location: "/srv/kura/main", passwordFile: "/etc/kura/main.pw"),
                              "offsite": RepositoryPolicy(name: "offsite", location: "s3://backups/kura",
                                                          passwordCommand: "pass show kura/offsite",
                                                          s3Endpoint: "https://s3.example.net", s3Region: "eu-west-1")],
               subjects: subjects)
    }
}
