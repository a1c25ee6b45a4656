import Foundation

/// Where each key of a TOML document is written, so that a problem found after parsing (an
/// unknown key, a bad duration) can name its line. TOMLKit reports lines only for syntax
/// errors; this reads the text once more, tracking table headers and `key =` lines.
struct TOMLLineMap {
    private var lines: [[String]: Int] = [:]
    private var headers: [[String]: Int] = [:]

    init(_ text: String) {
        var table: [String] = []
        var inMultilineString: String?
        for (offset, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            let line = raw.trimmingCharacters(in: .whitespaces)
            if let delimiter = inMultilineString {
                if line.contains(delimiter) { inMultilineString = nil }
                continue
            }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") {
                let isArray = line.hasPrefix("[[")
                let inner = line.dropFirst(isArray ? 2 : 1)
                guard let close = inner.firstIndex(of: "]") else { continue }
                table = Self.keyPath(inner[..<close])
                headers[table] = headers[table] ?? number
                continue
            }
            guard let equals = Self.assignment(in: line) else { continue }
            let path = table + Self.keyPath(line[..<equals])
            lines[path] = lines[path] ?? number
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            for delimiter in ["\"\"\"", "'''"] where value.hasPrefix(delimiter) {
                if !value.dropFirst(3).contains(delimiter) { inMultilineString = delimiter }
            }
        }
    }

    /// The line of `path`, else of its nearest enclosing key or table that is written out.
    func line(of path: [String]) -> Int? {
        var path = path
        while !path.isEmpty {
            if let line = lines[path] ?? headers[path] { return line }
            path.removeLast()
        }
        return nil
    }

    /// The `=` that ends the key of a `key = value` line, outside quotes.
    private static func assignment(in line: String) -> String.Index? {
        var quote: Character?
        for index in line.indices {
            let character = line[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "=" {
                return index
            }
        }
        return nil
    }

    /// `a."b.c".d` as ["a", "b.c", "d"].
    private static func keyPath(_ key: Substring) -> [String] {
        var parts: [String] = []
        var current = ""
        var quote: Character?
        for character in key {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "." {
                parts.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current.trimmingCharacters(in: .whitespaces))
        return parts
    }
}
