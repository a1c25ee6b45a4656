import Foundation

/// Reads one typed line (echoed) from the controlling terminal, for confirmations.
enum TerminalConfirmation {
    /// The line without its ending, or nil when there is no terminal.
    static func readLine(prompt: String) -> String? {
        let terminal = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard terminal >= 0 else { return nil }
        defer { close(terminal) }
        _ = prompt.withCString { Foundation.write(terminal, $0, strlen($0)) }
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while Foundation.read(terminal, &byte, 1) == 1, byte != 0x0A {
            line.append(byte)
            guard line.count <= 4096 else { break }
        }
        if line.last == 0x0D { line.removeLast() }
        return String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces)
    }
}
