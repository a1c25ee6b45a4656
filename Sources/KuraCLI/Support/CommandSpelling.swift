import ArgumentParser

/// Catches a mistyped subcommand before ArgumentParser sees it: `kura backpu` would otherwise
/// say only "unexpected argument", and `kura backpu --help` would print the top-level help
/// and exit 0, which a script takes for success.
enum CommandSpelling {
    /// The error for the first word of `arguments` that names no subcommand where one is
    /// expected, with the closest subcommand as a suggestion; nil when every word fits.
    static func problem(in arguments: [String], root: ParsableCommand.Type = KuraCommand.self) -> String? {
        var command = root
        var path = [root._commandName]
        for word in arguments {
            let subcommands = command.configuration.subcommands
            guard !subcommands.isEmpty, !word.hasPrefix("-") else { return nil }
            if word == "help" { return nil }
            guard let next = subcommands.first(where: { names(of: $0).contains(word) }) else {
                let known = subcommands.flatMap(names(of:))
                let suggestion = closest(to: word, among: known).map { "; did you mean '\($0)'?" } ?? ""
                return "unknown command '\(word)' for '\(path.joined(separator: " "))'\(suggestion) "
                    + "(see '\(path.joined(separator: " ")) --help')"
            }
            command = next
            path.append(next._commandName)
        }
        return nil
    }

    private static func names(of command: ParsableCommand.Type) -> [String] {
        [command._commandName] + command.configuration.aliases
    }

    /// The known name within two edits of `word` (or that it is a prefix of), nearest first.
    private static func closest(to word: String, among known: [String]) -> String? {
        let scored = known.map { ($0, editDistance(word, $0)) }
        if let best = scored.filter({ $0.1 <= 2 }).min(by: { $0.1 < $1.1 }) { return best.0 }
        return known.first { $0.hasPrefix(word) && word.count >= 2 }
    }

    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, y) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
