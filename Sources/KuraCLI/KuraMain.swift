import ArgumentParser
import Foundation

/// Entry point used by the `kura` executable.
public enum KuraMain {
    public static func run() async {
        MemoryTuning.apply()
        do {
            var command = try KuraCommand.parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            // Usage mistakes exit with 2 (docs/EXIT-CODES.md), not ArgumentParser's 64.
            if KuraCommand.exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((KuraCommand.fullMessage(for: error) + "\n").utf8))
                exit(ExitStatus.usage.rawValue)
            }
            KuraCommand.exit(withError: error)
        }
    }
}
