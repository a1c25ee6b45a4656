import Foundation
import KuraStorage

/// A command whose standard output is backed up (`kura backup --stdin-from-command -- pg_dump
/// mydb`). Its standard error goes to Kura's, so the admin sees what it says; its exit status
/// decides: anything but 0 means no generation, however much it wrote.
public final class CommandStream: @unchecked Sendable {
    // @unchecked: `process` is started in init and only waited on afterwards; Process itself
    // is thread-safe for waitUntilExit and terminationStatus.
    private let process = Process()
    private let pipe = Pipe()
    private let words: [String]

    /// Why the command gave no backup.
    public enum Failure: Error, CustomStringConvertible {
        case cannotStart(String, reason: String)
        case exited(String, status: Int32)
        case killed(String, signal: Int32)

        public var description: String {
            switch self {
            case .cannotStart(let command, let reason): "cannot run \(command): \(reason); no generation was written"
            case .exited(let command, let status): "\(command) exited with status \(status); no generation was written"
            case .killed(let command, let signal): "\(command) was killed by signal \(signal); no generation was written"
            }
        }
    }

    /// Starts `words` (found on PATH unless it contains a /).
    public init(_ words: [String]) throws {
        self.words = words
        guard let program = words.first, let executable = ExecutableSearch.locate(program) else {
            throw Failure.cannotStart(words.first ?? "", reason: "no such command on PATH")
        }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(words.dropFirst())
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = pipe
        do {
            try process.run()
        } catch {
            throw Failure.cannotStart(program, reason: "\(error.localizedDescription)")
        }
        // Only the child writes: with the parent's copy closed, the read end sees the end of
        // the output when the command exits.
        try? pipe.fileHandleForWriting.close()
    }

    /// The output as a stream named `filename`, checked when it ends.
    public func source(filename: String) -> StreamSource {
        StreamSource(filename: filename, descriptor: pipe.fileHandleForReading.fileDescriptor) { [self] in
            process.waitUntilExit()
            let shown = words.first ?? ""
            switch process.terminationReason {
            case .exit where process.terminationStatus == 0: return
            case .exit: throw Failure.exited(shown, status: process.terminationStatus)
            case .uncaughtSignal: throw Failure.killed(shown, signal: process.terminationStatus)
            @unknown default: throw Failure.exited(shown, status: process.terminationStatus)
            }
        }
    }

    /// Stops the command if the backup ends before reading all of its output.
    public func terminate() {
        if process.isRunning { process.terminate() }
    }
}
