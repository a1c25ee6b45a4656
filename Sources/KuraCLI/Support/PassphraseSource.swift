import Foundation
import KuraCrypto

/// Where a passphrase or repository password comes from: a file named by a flag, a file
/// named by an environment variable, the output of a command named by another, or the
/// terminal. Never the command line.
struct PassphraseSource {
    static let environmentVariable = "KURA_PASSPHRASE_FILE"

    var file: String?
    var fileVariable = PassphraseSource.environmentVariable
    var commandVariable: String?
    /// A command given directly (--password-command, the policy's password-command).
    var command: String?
    var prompt = "Passphrase"

    /// The repository password: --password-file, KURA_PASSWORD_FILE, KURA_PASSWORD_COMMAND, terminal.
    static func repositoryPassword(file: String?) -> PassphraseSource {
        PassphraseSource(file: file, fileVariable: "KURA_PASSWORD_FILE", commandVariable: "KURA_PASSWORD_COMMAND",
                         prompt: "Repository password")
    }

    enum Failure: Error, CustomStringConvertible {
        case noSource
        case empty(String)
        case mismatch
        case unreadable(String, Int32)
        case commandFailed(String, Int32)

        var description: String {
            switch self {
            case .noSource:
                "a passphrase or password is needed but there is no terminal; pass it in a file (--passphrase-file, --password-file) or set \(PassphraseSource.environmentVariable) or KURA_PASSWORD_FILE"
            case .empty(let source): "the passphrase from \(source) is empty"
            case .mismatch: "the two passphrases differ; nothing was encrypted"
            case .unreadable(let path, let code): "cannot read the passphrase file \(path): \(String(cString: strerror(code)))"
            case .commandFailed(let source, let status): "\(source) exited with status \(status); no password was read"
            }
        }
    }

    /// The passphrase, asking twice on a terminal when `confirm` is set (for encryption).
    func read(confirm: Bool) throws -> SecureBytes {
        let environment = ProcessInfo.processInfo.environment
        if let path = file, !path.isEmpty { return try Self.readFile(path) }
        if let command, !command.isEmpty { return try Self.runCommand(command, variable: "the password command") }
        if let path = environment[fileVariable], !path.isEmpty {
            return try Self.readFile(path)
        }
        if let variable = commandVariable, let command = environment[variable], !command.isEmpty {
            return try Self.runCommand(command, variable: "the command in \(variable)")
        }
        let first = try TerminalPrompt.readSecret(prompt: "\(prompt): ")
        guard first.count > 0 else { throw Failure.empty("the terminal") }
        if confirm {
            let second = try TerminalPrompt.readSecret(prompt: "Confirm \(prompt.lowercased()): ")
            guard first == second else { throw Failure.mismatch }
        }
        return first
    }

    /// The first line a command prints (run with /bin/sh -c; its standard error passes through).
    static func runCommand(_ command: String, variable: String) throws -> SecureBytes {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var bytes = [UInt8](output.fileHandleForReading.readDataToEndOfFile())
        defer { secureZero(&bytes) }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failure.commandFailed(variable, process.terminationStatus) }
        if let newline = bytes.firstIndex(of: 0x0A) { bytes.removeSubrange(newline...) }
        if bytes.last == 0x0D { bytes.removeLast() }
        guard !bytes.isEmpty else { throw Failure.empty(variable) }
        return try SecureBytes(copying: bytes)
    }

    /// The file's contents less one trailing line ending.
    static func readFile(_ path: String) throws -> SecureBytes {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure.unreadable(path, errno) }
        defer { close(descriptor) }
        var contents: [UInt8] = []
        defer { secureZero(&contents) }
        var chunk = [UInt8](repeating: 0, count: 4096)
        defer { secureZero(&chunk) }
        while true {
            let count = Foundation.read(descriptor, &chunk, chunk.count)
            if count < 0 { if errno == EINTR { continue }; throw Failure.unreadable(path, errno) }
            if count == 0 { break }
            contents.append(contentsOf: chunk[..<count])
            guard contents.count <= 64 * 1024 else { throw Failure.unreadable(path, EFBIG) }
        }
        if contents.last == 0x0A { contents.removeLast() }
        if contents.last == 0x0D { contents.removeLast() }
        guard !contents.isEmpty else { throw Failure.empty(path) }
        return try SecureBytes(copying: contents)
    }
}

/// Reads secrets from the controlling terminal with echo turned off.
enum TerminalPrompt {
    static func readSecret(prompt: String) throws -> SecureBytes {
        let terminal = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard terminal >= 0 else { throw PassphraseSource.Failure.noSource }
        defer { close(terminal) }
        var original = termios()
        let canSilence = tcgetattr(terminal, &original) == 0
        if canSilence {
            var silent = original
            silent.c_lflag &= ~tcflag_t(ECHO)
            silent.c_lflag |= tcflag_t(ECHONL)
            tcsetattr(terminal, TCSAFLUSH, &silent)
        }
        defer { if canSilence { tcsetattr(terminal, TCSAFLUSH, &original) } }
        _ = prompt.withCString { Foundation.write(terminal, $0, strlen($0)) }

        var line: [UInt8] = []
        defer { secureZero(&line) }
        var byte: UInt8 = 0
        while Foundation.read(terminal, &byte, 1) == 1, byte != 0x0A {
            line.append(byte)
            guard line.count <= 64 * 1024 else { break }
        }
        if line.last == 0x0D { line.removeLast() }
        return try SecureBytes(copying: line)
    }
}
