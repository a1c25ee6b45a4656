@testable import KuraEngine
import Testing

/// Which globs are refused (fnmatch would take them literally or never match) and which pass.
struct GlobMatcherTests {
    @Test("refused", arguments: ["", "[", "*.[ch", "[!", "[]", "a\\", "[[:nope:]]", "x[[:alpha:]"])
    func refused(pattern: String) {
        #expect(GlobMatcher.problem(in: pattern) != nil)
        #expect(throws: GlobError.self) { try GlobMatcher(patterns: ["*.tmp", pattern]) }
    }

    @Test("accepted", arguments: ["*.tmp", "/home/*/.cache", "*.[ch]", "[]]x", "[!]]", "\\[y", "[[:digit:]]*", "a\\\\", "[a-z[]"])
    func accepted(pattern: String) throws {
        #expect(GlobMatcher.problem(in: pattern) == nil)
        _ = try GlobMatcher(patterns: [pattern])
    }

    @Test func matchesAsBefore() throws {
        let matcher = try GlobMatcher(patterns: ["*.[ch]", "/srv/*/cache"])
        #expect(matcher.matches(path: "/src/a.c", name: "a.c"))
        #expect(matcher.matches(path: "/srv/web/cache", name: "cache"))
        #expect(!matcher.matches(path: "/src/a.o", name: "a.o"))
    }
}
