/// Human output shows names that come from repositories, age files, policy files and the file
/// system escaped (as `ls -b` and restic do), so a file named with an escape sequence cannot
/// recolour, move or erase the admin's terminal, and a newline in a name cannot fake a line:
/// `\` as `\\`, tab, newline and carriage return as `\t`, `\n`, `\r`, every other C0 control,
/// DEL and C1 control (U+0080–U+009F) and every byte that is not UTF-8 as `\xNN`, one per
/// byte. Everything else is shown as it is, so the escaped text maps back to exactly one
/// byte string. JSON output is never escaped this way: JSON has its own escapes and stays
/// exact (docs/OUTPUT.md).
enum TerminalText {
    /// - Parameter backslash: escape `\` too (off for documents whose shell commands must stay
    ///   copyable; their names are then safe to show but not always unambiguous).
    static func escape(_ bytes: some Collection<UInt8>, backslash: Bool = true) -> String {
        var result = ""
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var remaining = Array(bytes)[...]
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                let scalar = Unicode.UTF8.decode(encoded)
                switch scalar.value {
                case 0x5C where backslash: result += "\\\\"
                case 0x09: result += "\\t"
                case 0x0A: result += "\\n"
                case 0x0D: result += "\\r"
                case 0x00..<0x20, 0x7F, 0x80..<0xA0: result += hex(encoded)
                default: result.unicodeScalars.append(scalar)
                }
                remaining = remaining.dropFirst(encoded.count)
            case .error(let length):
                result += hex(remaining.prefix(length))
                remaining = remaining.dropFirst(length)
            case .emptyInput:
                return result
            }
        }
    }

    static func escape(_ text: String) -> String { escape(text.utf8) }

    /// A document of several lines (a table, a runbook) with each line escaped, `\` kept.
    static func escapeLines(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { escape($0.utf8, backslash: false) }
            .joined(separator: "\n")
    }

    private static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { "\\x" + String($0 >> 4, radix: 16) + String($0 & 0xF, radix: 16) }.joined()
    }
}
