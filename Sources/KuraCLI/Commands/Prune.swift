import ArgumentParser
import Foundation
import KuraEngine

/// `kura prune`: delete data no generation uses.
struct Prune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Delete data that no generation uses any more; backups may keep running.",
        discussion: """
            Runs in two phases (docs/PRUNE.md). The first, under a shared lock beside running \
            backups, finds unused data and copies the used blobs out of mostly unused packs. The \
            second, under the exclusive lock once running backups have finished, keeps whatever \
            backups finished meanwhile use, rewrites the index and then deletes packs. A kill at \
            any moment leaves a repository that `kura check` accepts.

            Examples:
              kura prune --dry-run
              kura prune --max-unused 0%      # repack until no unused data is left
              kura prune --json
            """
    )

    @OptionGroup var repository: RepositoryOptions

    @Flag(help: "Show what would be deleted and repacked; change nothing.")
    var dryRun = false

    @Option(help: ArgumentHelp("Repack partly used packs until at most PERCENT of the kept data is unused (0% to 100%).",
                              valueName: "PERCENT"))
    var maxUnused: String = "5%"

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        _ = try Self.parseMaxUnused(maxUnused)
    }

    /// KURA_TEST_PRUNE_STEP_PAUSE (seconds): crash tests slow prune down to kill it between steps.
    static var testStepPause: TimeInterval {
        ProcessInfo.processInfo.environment["KURA_TEST_PRUNE_STEP_PAUSE"].flatMap(Double.init).map { min(max($0, 0), 10) } ?? 0
    }

    static func parseMaxUnused(_ text: String) throws -> Double {
        let number = text.hasSuffix("%") ? String(text.dropLast()) : text
        guard let percent = Double(number), percent.isFinite, percent >= 0, percent <= 100 else {
            throw ValidationError("--max-unused takes a percentage from 0% to 100%, not \"\(text)\"")
        }
        return percent / 100
    }

    func run() async throws {
        try await reportingErrors {
            let opened = try await repository.open()
            let options = PruneOptions(dryRun: dryRun, maxUnused: try Self.parseMaxUnused(maxUnused), stepPause: Self.testStepPause)
            let report = try await Pruner(repository: opened, options: options,
                                          onMessage: { if !json { Output.error($0) } }).run()
            if json {
                print(try Output.prettyJSON(Self.json(report)))
            } else {
                Self.printReport(report)
            }
        }
    }

    static func printReport(_ report: PruneReport) {
        let verb = report.dryRun ? "would " : ""
        Swift.print("\(report.generations) generations use \(Output.bytes(report.usedBytes)) of \(report.packs) packs "
                    + "(\(Output.bytes(report.bytes)))")
        Swift.print("\(verb)delete \(report.deadPacks) unused pack(s) (\(Output.bytes(report.deadBytes))) and "
                    + "\(report.leftoverPacks) pack(s) no index names (\(Output.bytes(report.leftoverBytes)))")
        Swift.print("\(verb)repack \(report.repackedPacks) partly used pack(s) (\(Output.bytes(report.repackedBytes))) into "
                    + "\(report.dryRun ? "about " : "")\(report.newPacks) new pack(s) (\(Output.bytes(report.newPackBytes)))")
        if report.keptForNewGenerations > 0 {
            Swift.print("kept \(report.keptForNewGenerations) pack(s) that backups finished meanwhile use")
        }
        Swift.print("\(report.dryRun ? "would free" : "freed") \(Output.bytes(report.bytesFreed)); "
                    + "\(Output.bytes(report.unusedBytesKept)) unused left in partly used packs")
    }

    static func json(_ report: PruneReport) -> [String: Any] {
        ["dry_run": report.dryRun, "generations": report.generations, "packs": report.packs, "bytes": report.bytes,
         "used_bytes": report.usedBytes, "unused_packs_deleted": report.deadPacks, "unused_bytes_deleted": report.deadBytes,
         "repacked_packs": report.repackedPacks, "repacked_bytes": report.repackedBytes, "new_packs": report.newPacks,
         "new_pack_bytes": report.newPackBytes, "unindexed_packs_deleted": report.leftoverPacks,
         "unindexed_bytes_deleted": report.leftoverBytes, "kept_for_new_generations": report.keptForNewGenerations,
         "index_files_replaced": report.indexFilesReplaced, "bytes_freed": report.bytesFreed,
         "unused_bytes_kept": report.unusedBytesKept]
    }
}
