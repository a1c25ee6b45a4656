import Foundation
import Testing

/// Exclude and include patterns fnmatch cannot use are refused, with the pattern named,
/// before anything is backed up or restored.
@Suite struct ExcludePatternTests {
    static let invalid = ["[", "*.[ch", "", "trailing\\", "[[:nope:]]"]

    @Test("backup refuses an invalid --exclude", arguments: invalid)
    func backupRefusesInvalidExclude(pattern: String) throws {
        let repo = try RepositoryScratch()
        try repo.scratch.write("data/a.txt", "alpha\n")
        let backup = try repo.kura("backup", "--subject", "s", "--exclude", pattern, repo.path("data"))
        #expect(backup.status == 2, "\(backup.stderr)")
        let shown = pattern.replacingOccurrences(of: "\\", with: "\\\\")
        #expect(backup.stderr.contains("\"\(shown)\""), "names the pattern (escaped): \(backup.stderr)")
        #expect(try repo.kura("generations").output.contains("0 generation(s)"), "nothing was backed up")
    }

    @Test func excludeFileAndRestoreAreCheckedToo() throws {
        let repo = try RepositoryScratch()
        try repo.scratch.write("data/a.txt", "alpha\n")
        try repo.scratch.write("excludes", "# comment\n*.tmp\nbad[\n")
        let fromFile = try repo.kura("backup", "--subject", "s", "--exclude-file", repo.path("excludes"), repo.path("data"))
        #expect(fromFile.status == 2 && fromFile.stderr.contains("\"bad[\""), "\(fromFile.stderr)")

        #expect(try repo.kura("backup", "--subject", "s", repo.path("data")).status == 0)
        let restore = try repo.kura("restore", "s@1", "--target", repo.path("out"), "--include", "[x")
        #expect(restore.status == 2 && restore.stderr.contains("\"[x\""), "\(restore.stderr)")
        #expect(!repo.scratch.exists("out"), "nothing was restored")
    }

    @Test func validPatternsStillWork() throws {
        let repo = try RepositoryScratch()
        try repo.scratch.write("data/a.c", "c\n")
        try repo.scratch.write("data/b.h", "h\n")
        try repo.scratch.write("data/]x", "bracket\n")
        try repo.scratch.write("data/[y", "open bracket\n")
        let backup = try repo.kura("backup", "--subject", "s", "--exclude", "*.[ch]", "--exclude", "[]]x",
                                   "--exclude", "\\[y", "--exclude", "[[:digit:]]*", repo.path("data"))
        #expect(backup.status == 0, "\(backup.stderr)")
        let listing = try repo.kura("ls", "s@1").output
        #expect(!listing.contains("a.c") && !listing.contains("b.h") && !listing.contains("]x") && !listing.contains("[y"), "\(listing)")
    }

    @Test func policyExcludesAreChecked() throws {
        let repo = try RepositoryScratch()
        try repo.scratch.write("data/a.txt", "alpha\n")
        try repo.scratch.write("kura.toml", """
            [repository.main]
            location = "\(repo.path("repo"))"
            password-file = "\(repo.path("password"))"

            [subject.data]
            paths = ["\(repo.path("data"))"]
            exclude = ["*.tmp", "cache[0-9"]
            repositories = ["main"]
            """)
        let check = try repo.kura(arguments: ["policy", "check", "--config", repo.path("kura.toml")])
        #expect(check.status == 2, "\(check.stderr)")
        #expect(check.stderr.contains("kura.toml:7") && check.stderr.contains("\"cache[0-9\""), "line and pattern: \(check.stderr)")
        let backup = try repo.kura(arguments: ["backup", "--subject", "data", "--config", repo.path("kura.toml")])
        #expect(backup.status == 2 && backup.stderr.contains("\"cache[0-9\""), "\(backup.stderr)")
    }
}
