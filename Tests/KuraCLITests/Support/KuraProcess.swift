import Foundation
import KuraTestSupport
import Testing

/// Runs the real `kura` binary (and other real tools) in a scratch directory.
struct CommandResult {
    let status: Int32
    let stdout: Data
    let stderr: String

    var output: String { String(decoding: stdout, as: UTF8.self) }
}

enum Tools {
    /// The `kura` binary built next to this test bundle.
    static let kura = KuraBinary.path

    /// Looks a tool up on PATH; tests that need it fail (not skip) when it is missing,
    /// because Scripts/test.sh installs it.
    static func path(of tool: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The Python with the test helpers (argon2-cffi, pexpect) that Scripts/test.sh sets up.
    static var python: String {
        ProcessInfo.processInfo.environment["KURA_TEST_PYTHON"] ?? path(of: "python3") ?? "/usr/bin/python3"
    }
}

/// A scratch directory removed when the test ends.
final class Scratch {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("kura-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    @discardableResult
    func write(_ name: String, _ bytes: Data) throws -> String {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try bytes.write(to: file)
        return path(name)
    }

    /// Starts `executable` without waiting, output discarded (for kill and concurrency tests;
    /// shell job control would inherit the test runner's blocked signals).
    func start(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = url
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String { try write(name, Data(text.utf8)) }

    func read(_ name: String) throws -> Data { try Data(contentsOf: url.appendingPathComponent(name)) }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }

    /// Every entry in the directory (to prove no temporary file was left behind).
    func entries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).filter { !$0.hasPrefix(".std") }.sorted()
    }

    /// Runs `executable` with `arguments` in this directory.
    @discardableResult
    func run(_ executable: String, _ arguments: [String], stdin: Data? = nil,
             environment: [String: String] = [:]) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = url
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "KURA_PASSPHRASE_FILE")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        // Standard input and error go through files, so no extra threads are needed to
        // keep pipes from filling up.
        let stdinURL = url.appendingPathComponent(".stdin-\(UUID().uuidString)")
        let stderrURL = url.appendingPathComponent(".stderr-\(UUID().uuidString)")
        defer {
            try? FileManager.default.removeItem(at: stdinURL)
            try? FileManager.default.removeItem(at: stderrURL)
        }
        try (stdin ?? Data()).write(to: stdinURL)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let output = Pipe()
        process.standardInput = try FileHandle(forReadingFrom: stdinURL)
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        try process.run()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderr = (try? Data(contentsOf: stderrURL)) ?? Data()
        return CommandResult(status: process.terminationStatus, stdout: stdout,
                             stderr: String(decoding: stderr, as: UTF8.self))
    }

    @discardableResult
    func kura(_ arguments: String..., stdin: Data? = nil, environment: [String: String] = [:]) throws -> CommandResult {
        try run(Tools.kura, arguments, stdin: stdin, environment: environment)
    }

    /// Runs a shell command line in this directory.
    @discardableResult
    func shell(_ command: String, environment: [String: String] = [:]) throws -> CommandResult {
        try run("/bin/sh", ["-c", command], environment: environment)
    }
}

func randomData(_ count: Int) -> Data {
    var generator = SystemRandomNumberGenerator()
    var bytes = [UInt8](repeating: 0, count: count)
    for index in stride(from: 0, to: count, by: 8) {
        let value = generator.next()
        for offset in 0..<min(8, count - index) { bytes[index + offset] = UInt8(truncatingIfNeeded: value >> (8 * offset)) }
    }
    return Data(bytes)
}
