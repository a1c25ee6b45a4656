import Foundation
import KuraOperations

/// Writing to standard error and formatting sizes and JSON lines for commands. Human lines
/// go out escaped (`TerminalText`): whatever names they quote cannot reach the terminal raw.
enum Output {
    static func error(_ line: String) {
        FileHandle.standardError.write(Data((TerminalText.escape(line) + "\n").utf8))
    }

    /// One line of human output on standard output.
    static func line(_ text: String) {
        Swift.print(TerminalText.escape(text))
    }

    /// One line of human output built from raw bytes (file names that may not be UTF-8).
    static func line(bytes: [UInt8]) {
        Swift.print(TerminalText.escape(bytes))
    }

    /// A human document of several lines (a table, a runbook), each line escaped.
    static func document(_ text: String) {
        FileHandle.standardOutput.write(Data(TerminalText.escapeLines(text).utf8))
    }

    /// A JSON object on one line (for --json output).
    static func jsonLine(_ object: [String: Any]) {
        if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) {
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        }
    }

    /// A JSON document, indented, keys sorted (for --json output of one result).
    static func prettyJSON(_ object: Any) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// 0.1 as "10%", 0.025 as "2.5%".
    static func percent(_ fraction: Double) -> String {
        let value = fraction * 100
        return value == value.rounded() ? "\(Int(value))%" : String(format: "%.1f%%", value)
    }

    static func bytes(_ count: Int64) -> String { ByteSize.format(count) }
}
