import ArgumentParser
import Foundation
import KuraRepository
import KuraStorage

/// Entry point used by the `kura` executable. Whatever the command did, the S3 client is
/// shut down and every ssh channel (SFTP sessions, `kura serve` connections) ended before the
/// process exits (a signal ends the process at once, which closes its connections too).
public enum KuraMain {
    public static func run() async {
        if let invalid = KuraClock.invalidTestNow {
            Output.error("kura: KURA_TEST_NOW=\(invalid) is not an RFC 3339 time (e.g. 2026-01-31T12:00:00Z)")
            exit(ExitStatus.usage.rawValue)
        }
        if let problem = CommandSpelling.problem(in: Array(CommandLine.arguments.dropFirst())) {
            FileHandle.standardError.write(Data("kura: \(problem)\n".utf8))
            exit(ExitStatus.usage.rawValue)
        }
        if case .failure(let invalid) = FaultPlan.environment {
            FileHandle.standardError.write(Data("kura: \(invalid)\n".utf8))
            exit(ExitStatus.usage.rawValue)
        }
        InterruptCleanup.removeLocksOnInterrupt()
        do {
            var command = try KuraCommand.parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            await S3Transport.shutDown()
            OpenChannels.closeAll()
            InterruptCleanup.settle()
        } catch {
            await S3Transport.shutDown()
            OpenChannels.closeAll()
            InterruptCleanup.settle()
            // Usage mistakes exit with 2 (docs/EXIT-CODES.md), not ArgumentParser's 64.
            if KuraCommand.exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((TerminalText.escapeLines(KuraCommand.fullMessage(for: error)) + "\n").utf8))
                exit(ExitStatus.usage.rawValue)
            }
            KuraCommand.exit(withError: error)
        }
    }
}
