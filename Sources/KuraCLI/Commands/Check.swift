import ArgumentParser
import Foundation
import KuraEngine

/// `kura check`: is the repository intact?
struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify the repository's structure and, optionally, its data.",
        discussion: """
            Exits 0 when nothing is wrong and 3 when something is damaged, naming each damaged \
            object and the generations and files it affects.

            Examples:
              kura check
              kura check --read-data
              kura check --read-data-subset 10%
              kura check --read-data-subset 2/7     # part 2 of 7: a week covers everything
            """
    )

    @OptionGroup var repository: RepositoryOptions

    @Flag(help: "Read and verify every pack.")
    var readData = false

    @Option(help: "Read a part of the data: N% of the packs at random, or K/M for part K of M.")
    var readDataSubset: String?

    func selection() throws -> ReadDataSelection {
        if readData { return .all }
        guard let subset = readDataSubset else { return .none }
        if subset.hasSuffix("%"), let percent = Double(subset.dropLast()), percent > 0, percent <= 100 {
            return .fraction(percent / 100)
        }
        let parts = subset.split(separator: "/")
        if parts.count == 2, let k = Int(parts[0]), let m = Int(parts[1]), m >= 1, k >= 1, k <= m {
            return .part(k, of: m)
        }
        throw ValidationError("--read-data-subset takes N% (0 < N ≤ 100) or K/M (1 ≤ K ≤ M)")
    }

    func validate() throws {
        if readData, readDataSubset != nil { throw ValidationError("use either --read-data or --read-data-subset") }
        _ = try selection()
    }

    func run() async throws {
        try await reportingErrors {
            try await repository.withLockedRepository(command: "check") { opened in
                let report = try await Checker(repository: opened).run(readData: try selection())
                for warning in report.warnings { Output.error("warning: \(warning)") }
                for problem in report.problems {
                    Output.line("damaged: \(problem.object): \(problem.reason)")
                    for user in problem.affected { Output.line("  affects \(user)") }
                }
                print("\(report.generations) generations, \(report.trees) trees, \(report.blobs) blobs checked; "
                      + "\(report.packsRead) packs read; \(report.problems.count) problem(s)")
                if !report.problems.isEmpty { throw ExitCode(ExitStatus.problemsFound.rawValue) }
            }
        }
    }
}
