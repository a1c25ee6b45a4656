import Foundation
import KuraCrypto

/// Where a passphrase comes from: a file named by a flag, a file named by
/// `KURA_PASSPHRASE_FILE`, or the terminal. Never the command line.
struct PassphraseSource {
    static let environmentVariable = "KURA_PASSPHRASE_FILE"

    var file: String?

    enum Failure: Error, CustomStringConvertible {
        case noSource
        case empty(String)
        case mismatch
        case unreadable(String, Int32)

        var description: String {
            switch self {
            case .noSource:
                "a passphrase is needed but there is no terminal; pass --passphrase-file FILE or set \(PassphraseSource.environmentVariable)"
            case .empty(let source): "the passphrase from \(source) is empty"
            case .mismatch: "the two passphrases differ; nothing was encrypted"
            case .unreadable(let path, let code): "cannot read the passphrase file \(path): \(String(cString: strerror(code)))"
            }
        }
    }

    /// The passphrase, asking twice on a terminal when `confirm` is set (for encryption).
    func read(confirm: Bool) throws -> SecureBytes {
        if let path = file ?? ProcessInfo.processInfo.environment[Self.environmentVariable], !path.isEmpty {
            return try Self.readFile(path)
        }
        let first = try TerminalPrompt.readSecret(prompt: "Passphrase: ")
        guard first.count > 0 else { throw Failure.empty("the terminal") }
        if confirm {
            let second = try TerminalPrompt.readSecret(prompt: "Confirm passphrase: ")
            guard first == second else { throw Failure.mismatch }
        }
        return first
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
