import Foundation
import Testing

/// `kura backup --stdin` and `--stdin-from-command`, with a real PostgreSQL from Debian's
/// packages: dump, back up, restore into a fresh cluster, compare.
@Suite struct StreamBackupTests {
    @Test func standardInputIsOneFileOfTheGeneration() throws {
        let repo = try RepositoryScratch()
        try repo.writeRandom("input.bin", size: 5_000_000, seed: 7)
        let backup = try repo.shell("'\(Tools.kura)' backup --subject in --stdin --stdin-filename data.bin < input.bin")
        #expect(backup.status == 0, "\(backup.stderr)")
        let listing = try repo.kura("ls", "in@latest").output
        #expect(listing.hasPrefix("- 600 ") && listing.contains(" 5000000 ") && listing.hasSuffix(" /data.bin\n"), "\(listing)")
        #expect(try repo.shell("'\(Tools.kura)' dump in@latest /data.bin | cmp - input.bin").status == 0)
        let restored = try repo.kura("restore", "in@latest", "--target", repo.path("out"))
        #expect(restored.status == 0 && (try? Data(contentsOf: URL(fileURLWithPath: repo.path("out/data.bin")))) != nil,
                "\(restored.stderr)")

        #expect(try repo.kura("backup", "--stdin", repo.path("input.bin")).status == 2, "no paths with --stdin")
        #expect(try repo.kura("backup", "--stdin", "--stdin-filename", "a/b").status == 2)
        #expect(try repo.kura("backup", "--stdin-from-command").status == 2, "a command is needed")
    }

    /// The command's exit status decides: output written before a failure gives no generation.
    @Test func aFailingCommandGivesNoGeneration() throws {
        let repo = try RepositoryScratch()
        let good = try repo.kura("backup", "--subject", "cmd", "--stdin-from-command", "--stdin-filename", "out.txt",
                                 "--", "sh", "-c", "echo hello; echo from-stderr >&2")
        #expect(good.status == 0 && good.stderr.contains("from-stderr"), "\(good.stderr)")
        #expect(try repo.kura("dump", "cmd@1", "/out.txt").output == "hello\n")

        for (arguments, expected) in [(["sh", "-c", "echo partial; exit 3"], "status 3"),
                                      (["sh", "-c", "echo partial; kill -9 $$"], "signal 9"),
                                      (["no-such-command-anywhere"], "no-such-command-anywhere")] {
            let failed = try repo.kura(arguments: ["backup", "--subject", "cmd", "--stdin-from-command", "--"] + arguments)
            #expect(failed.status == 1 && failed.stderr.contains(expected), "\(arguments): \(failed.stderr)")
        }
        #expect(try repo.kura("generations", "--subject", "cmd").output.hasSuffix("1 generation(s)\n"))
        #expect(try repo.kura("check").status == 0)
    }

    @Test func aPostgreSQLDumpRestoresIntoAFreshCluster() throws {
        let repo = try RepositoryScratch()
        let pg = try PostgresCluster(in: repo, name: "pg1")
        defer { pg.stop() }
        let made = try pg.sql("""
            CREATE TABLE accounts (id int PRIMARY KEY, owner text, balance numeric);
            INSERT INTO accounts SELECT i, 'owner ' || i, i * 1.5 FROM generate_series(1, 20000) i;
            """)
        #expect(made.status == 0, "\(made.stderr)")
        let query = "SELECT count(*), sum(balance), max(owner) FROM accounts"
        let expected = try pg.sql(query).output
        #expect(expected.contains("20000"), "\(expected)")

        let backup = try repo.kura(arguments: ["backup", "--subject", "db", "--stdin-from-command", "--stdin-filename", "db.sql",
                                               "--", pg.bin("pg_dump"), "-h", pg.socket, "-U", "postgres", "postgres"])
        #expect(backup.status == 0, "\(backup.stderr)")

        let failing = try repo.kura(arguments: ["backup", "--subject", "db", "--stdin-from-command",
                                                "--", pg.bin("pg_dump"), "-h", pg.socket, "-U", "postgres", "no_such_db"])
        #expect(failing.status == 1 && failing.stderr.contains("exited with status"), "\(failing.stderr)")
        #expect(try repo.kura("generations", "--subject", "db").output.hasSuffix("1 generation(s)\n"))

        let fresh = try PostgresCluster(in: repo, name: "pg2")
        defer { fresh.stop() }
        let loaded = try repo.shell("'\(Tools.kura)' dump db@latest /db.sql | '\(pg.bin("psql"))' -q -v ON_ERROR_STOP=1 -h '\(fresh.socket)' -U postgres postgres")
        #expect(loaded.status == 0, "\(loaded.stderr)")
        #expect(try fresh.sql(query).output == expected)
    }
}

/// A throwaway PostgreSQL cluster listening only on a Unix socket in the scratch folder
/// (run as `nobody` when the tests run as root: the server refuses root).
struct PostgresCluster {
    let directory: String
    let socket: String
    private let repo: RepositoryScratch
    private let binaries: String
    private let runAs: String

    init(in repo: RepositoryScratch, name: String) throws {
        let found = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?.sorted().last
        guard let version = found else {
            Issue.record("PostgreSQL is not installed (Scripts/test.sh installs it)")
            throw POSIXError(.ENOENT)
        }
        self.repo = repo
        binaries = "/usr/lib/postgresql/\(version)/bin"
        directory = repo.path(name)
        socket = directory + "/socket"
        runAs = getuid() == 0 ? "runuser -u nobody -- " : ""
        let started = try repo.shell("""
            set -e
            mkdir -p '\(socket)'
            [ -z '\(runAs)' ] || chown -R nobody '\(directory)'
            \(runAs)'\(binaries)/initdb' -D '\(directory)/data' -A trust -U postgres > '\(directory)/initdb.log' 2>&1
            """)
        // The server outlives this shell: it must hold none of the test runner's descriptors
        // (pipes of other tests' children would never see their end), so it is started through
        // Python's subprocess, which closes every descriptor above 2.
        let start = (runAs.isEmpty ? [] : ["runuser", "-u", "nobody", "--"])
            + ["\(binaries)/pg_ctl", "-D", "\(directory)/data", "-l", "\(directory)/server.log", "-w", "-t", "60",
               "-o", "-k '\(socket)' -c listen_addresses='' -c fsync=off", "start"]
        let quoted = start.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let detach = "import subprocess, sys; d = subprocess.DEVNULL; "
            + "sys.exit(subprocess.run(sys.argv[1:], stdin=d, stdout=d, stderr=d, close_fds=True).returncode)"
        let launched = try repo.shell("'\(Tools.python)' -c '\(detach)' \(quoted)")
        guard started.status == 0, launched.status == 0 else {
            let log = try? String(contentsOfFile: directory + "/server.log", encoding: .utf8)
            Issue.record("PostgreSQL did not start: \(started.stderr) \(log ?? "")")
            throw POSIXError(.EIO)
        }
    }

    func bin(_ tool: String) -> String { "\(binaries)/\(tool)" }

    func sql(_ statements: String) throws -> CommandResult {
        try repo.shell("'\(bin("psql"))' -X -q -A -t -v ON_ERROR_STOP=1 -h '\(socket)' -U postgres postgres <<'SQL'\n\(statements)\nSQL")
    }

    func stop() {
        _ = try? repo.shell("\(runAs)'\(binaries)/pg_ctl' -D '\(directory)/data' -m immediate -w stop > /dev/null 2>&1")
    }
}
