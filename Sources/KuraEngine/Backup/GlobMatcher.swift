import Foundation

/// Glob patterns (fnmatch) for --exclude and --include: a pattern without "/" matches an
/// entry's name anywhere ("*.tmp"); a pattern with "/" matches the whole absolute path
/// ("/home/*/.cache").
public struct GlobMatcher: Sendable {
    let patterns: [String]

    /// Refuses a pattern fnmatch would silently take literally or never match (an unbalanced
    /// `[`, a trailing `\`, an unknown `[:class:]`) and an empty one: an exclude that does
    /// nothing is a backup of what the admin meant to leave out.
    public init(patterns: [String]) throws(GlobError) {
        for pattern in patterns {
            if let reason = Self.problem(in: pattern) { throw GlobError.invalidPattern(pattern, reason: reason) }
        }
        self.patterns = patterns
    }

    func matches(path: String, name: String) -> Bool {
        patterns.contains { pattern in
            pattern.contains("/") ? fnmatch(pattern, path, FNM_PATHNAME) == 0 : fnmatch(pattern, name, 0) == 0
        }
    }

    static let characterClasses: Set<String> = [
        "alnum", "alpha", "blank", "cntrl", "digit", "graph", "lower", "print", "punct", "space", "upper", "xdigit",
    ]

    /// Why `pattern` is not a usable glob, or nil.
    public static func problem(in pattern: String) -> String? {
        if pattern.isEmpty { return "is empty" }
        let characters = Array(pattern)
        var index = 0
        while index < characters.count {
            switch characters[index] {
            case "\\":
                guard index + 1 < characters.count else { return "ends with a lone backslash (double it to match one)" }
                index += 2
            case "[":
                let (end, problem) = bracketEnd(characters, from: index)
                guard let end else { return problem }
                index = end + 1
            default:
                index += 1
            }
        }
        return nil
    }

    /// Where the bracket expression opened at `start` ends (its `]`), or why it is not one.
    /// A `]` right after `[` or `[!` is a member, and `[:name:]` is one member.
    private static func bracketEnd(_ characters: [Character], from start: Int) -> (end: Int?, problem: String?) {
        var index = start + 1
        if index < characters.count, characters[index] == "!" || characters[index] == "^" { index += 1 }
        if index < characters.count, characters[index] == "]" { index += 1 }
        while index < characters.count {
            if characters[index] == "]" { return (index, nil) }
            if characters[index] == "[", index + 1 < characters.count, characters[index + 1] == ":",
               let close = (index + 2..<max(index + 2, characters.count - 1)).first(where: { characters[$0] == ":" && characters[$0 + 1] == "]" }) {
                let name = String(characters[(index + 2)..<close])
                guard characterClasses.contains(name) else { return (nil, "names an unknown character class [:\(name):]") }
                index = close + 2
                continue
            }
            index += 1
        }
        return (nil, "has a [ without its closing ] (put a backslash before a [ meant literally)")
    }
}

/// An --exclude or --include pattern, or a policy file's exclude, that cannot be used.
public enum GlobError: Error, Equatable, CustomStringConvertible {
    case invalidPattern(String, reason: String)

    public var description: String {
        switch self {
        case .invalidPattern(let pattern, let reason): "the pattern \"\(pattern)\" \(reason); fix or remove it"
        }
    }
}
