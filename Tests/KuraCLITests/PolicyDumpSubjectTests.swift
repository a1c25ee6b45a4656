import Foundation
import Testing

/// Policy subjects that are database dumps: `command` and `stdin-filename` instead of `paths`.
@Suite struct PolicyDumpSubjectTests {
    static let header = """
        [repository.main]
        location = "REPO"
        password-file = "PASSWORD"

        """

    static func write(_ repo: RepositoryScratch, _ subjects: String) throws -> [String: String] {
        let text = header.replacingOccurrences(of: "REPO", with: repo.path("repo"))
            .replacingOccurrences(of: "PASSWORD", with: repo.path("password")) + subjects
        try repo.scratch.write("kura.toml", text)
        return ["KURA_CONFIG": repo.path("kura.toml"), "KURA_REPOSITORY": "", "KURA_PASSWORD_FILE": "",
                "KURA_TEST_NOW": "2030-01-01T00:00:00Z"]
    }

    @Test func runBacksUpACommandsOutputAndGoesOnPastAFailingOne() throws {
        let repo = try RepositoryScratch()
        try repo.scratch.write("files/a", "a")
        let environment = try Self.write(repo, """
            [subject.broken]
            command = ["sh", "-c", "printf 'partial'; exit 3"]
            stdin-filename = "broken.sql"
            repositories = ["main"]
            priority = 1

            [subject.db]
            command = ["sh", "-c", "printf 'create table t;\\\\n'"]
            stdin-filename = "db.sql"
            repositories = ["main"]
            priority = 2

            [subject.files]
            paths = ["\(repo.path("files"))"]
            repositories = ["main"]
            priority = 3
            """)
        let check = try repo.kura(arguments: ["policy", "check"], environment: environment)
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.output.contains("db: priority 2, to main, output of `sh -c printf 'create table t;"), "\(check.output)")
        #expect(check.output.contains("` as /db.sql\n"), "\(check.output)")

        let run = try repo.kura(arguments: ["run"], environment: environment)
        #expect(run.status != 0, "a failed subject makes the run fail")
        #expect(run.output.contains("broken: backup to main failed: sh exited with status 3; no generation was written"), "\(run.output)")
        #expect(run.output.contains("db: backed up db@1 to main"), "\(run.output)")
        #expect(run.output.contains("files: backed up files@1 to main"), "\(run.output)")
        let dump = try repo.kura(arguments: ["dump", "db@1", "/db.sql"], environment: environment)
        #expect(dump.status == 0 && dump.output == "create table t;\n", "\(dump.output) \(dump.stderr)")
        let generations = try repo.kura(arguments: ["generations", "--json"], environment: environment).output
        #expect(!generations.contains("broken@"), "a failing command gives no generation")

        let backup = try repo.kura(arguments: ["backup", "--subject", "db"], environment: environment)
        #expect(backup.status == 0 && backup.output.hasPrefix("db@2 "), "\(backup.output) \(backup.stderr)")
    }

    @Test func commandAndPathsAreExactlyOne() throws {
        let repo = try RepositoryScratch()
        let environment = try Self.write(repo, """
            [subject.both]
            paths = ["/etc"]
            command = ["pg_dump", "mydb"]
            stdin-filename = "db.sql"
            repositories = ["main"]

            [subject.neither]
            repositories = ["main"]

            [subject.nofilename]
            command = ["pg_dump", "mydb"]
            repositories = ["main"]

            [subject.badname]
            command = ["pg_dump"]
            stdin-filename = "a/b"
            repositories = ["main"]
            """)
        let check = try repo.kura(arguments: ["policy", "check"], environment: environment)
        #expect(check.status == 2)
        #expect(check.stderr.contains("kura.toml:6: give paths (or files-from…) or command, not both"), "\(check.stderr)")
        #expect(check.stderr.contains("kura.toml:10: [subject.neither] needs paths"), "\(check.stderr)")
        #expect(check.stderr.contains("kura.toml:14: command needs stdin-filename"), "\(check.stderr)")
        #expect(check.stderr.contains("kura.toml:19: a file name for the stream is one path component"), "\(check.stderr)")
    }
}
