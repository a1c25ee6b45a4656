import ArgumentParser
import Foundation
import KuraEngine
import KuraRepository

struct KeyRotate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Start a new key epoch, so removed keys cannot read what is written afterwards (admin keys only).",
        discussion: """
            Every live key gets the new epoch's secrets, sealed to its own slot; a key removed \
            before the rotation gets nothing, even if it kept a copy of its slot. Data written \
            before stays readable to such a copy until `--reencrypt` rewrites it.

            With --reencrypt, every pack is also rewritten under the new epoch, the index and \
            records are sealed again, and the older epochs' data keys are dropped: afterwards a \
            removed key's saved slot reads nothing. It takes the repository's exclusive lock; if \
            it is interrupted (even by SIGKILL), run the same command again and it resumes.

            Examples:
              kura key remove 3f5a19c2 && kura key rotate --reencrypt
              kura key rotate
            """
    )

    @OptionGroup var repository: RepositoryOptions

    @Flag(help: "Also rewrite existing data under the new epoch and drop the old epochs' data keys.")
    var reencrypt = false

    @Flag(help: "Print the result as JSON.")
    var json = false

    /// KURA_TEST_REENCRYPT_PACKS_PER_STEP and KURA_TEST_REENCRYPT_STEP_PAUSE (seconds): crash
    /// tests make each step small and slow to kill between them.
    static var packsPerStep: Int {
        ProcessInfo.processInfo.environment["KURA_TEST_REENCRYPT_PACKS_PER_STEP"].flatMap(Int.init).map { min(max($0, 1), 64) } ?? 16
    }

    static var stepPause: TimeInterval {
        ProcessInfo.processInfo.environment["KURA_TEST_REENCRYPT_STEP_PAUSE"].flatMap(Double.init).map { min(max($0, 0), 10) } ?? 0
    }

    func run() async throws {
        try await reportingErrors {
            let opened = try await repository.open()
            if !reencrypt {
                let report = try await opened.rotateKeys(reencrypt: false)
                if json {
                    print(try Output.prettyJSON(["epoch": report.epoch, "keys": report.keys.map(\.id.hex), "reencrypted": false]))
                } else {
                    Output.line("rotated to key epoch \(report.epoch); sealed to \(report.keys.count) key(s): "
                          + report.keys.map { "\($0.name) (\($0.id.short))" }.joined(separator: ", "))
                    print("data written before stays readable to removed keys until `kura key rotate --reencrypt`")
                }
                return
            }
            let report = try await Reencryptor(repository: opened, packsPerStep: Self.packsPerStep, stepPause: Self.stepPause,
                                               onProgress: { if !json { Output.error($0) } })
                .rotateAndReencrypt()
            if json {
                print(try Output.prettyJSON([
                    "epoch": report.epoch, "reencrypted": true, "resumed": report.resumed,
                    "packsRewritten": report.packsRewritten, "packsWritten": report.packsWritten,
                    "bytesWritten": report.bytesWritten, "leftoverPacksDeleted": report.leftoverPacksDeleted,
                    "indexFilesReplaced": report.indexFilesReplaced, "recordsWrapped": report.recordsWrapped,
                    "unreadablePacks": report.unreadablePacks.map(\.hex),
                ]))
            } else {
                Output.line("\(report.resumed ? "resumed and finished" : "rotated to") key epoch \(report.epoch) and re-encrypted: "
                      + "\(report.packsRewritten) pack(s) rewritten into \(report.packsWritten) (\(Output.bytes(report.bytesWritten))), "
                      + "\(report.recordsWrapped) record(s) sealed again, older data keys dropped")
                if !report.unreadablePacks.isEmpty {
                    Output.error("\(report.unreadablePacks.count) pack(s) could not be read and were left as they are; run `kura check`")
                }
            }
        }
    }
}
