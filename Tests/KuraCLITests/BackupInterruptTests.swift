import Foundation
import Testing

/// Ctrl-C (SIGINT) or SIGTERM during `kura backup`: one line saying what happened, the
/// repository lock removed, exit 130 or 143, and the next backup works.
@Suite struct BackupInterruptTests {
    /// Starts a backup of a command that writes some data and then stalls, waits until the
    /// backup holds its lock, sends `signal`, and returns the exit status and standard error.
    static func interruptedBackup(_ repo: RepositoryScratch, signal: Int32) throws -> (status: Int32, stderr: String) {
        try interrupted(repo, ["backup", "--subject", "db", "--stdin-from-command", "--stdin-filename", "db.sql", "--",
                               "sh", "-c", "head -c 3000000 /dev/urandom; exec sleep 20"], signal: signal)
    }

    /// Runs kura with `arguments`, waits until it holds a repository lock, sends `signal`.
    static func interrupted(_ repo: RepositoryScratch, _ arguments: [String], environment: [String: String] = [:],
                            signal: Int32) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Tools.kura)
        process.arguments = arguments
        process.currentDirectoryURL = repo.scratch.url
        process.environment = ProcessInfo.processInfo.environment.merging(repo.environment) { $1 }.merging(environment) { $1 }
        let stderrPath = repo.path("backup.stderr")
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        try process.run()
        let locks = repo.path("repo/locks")
        let deadline = Date().addingTimeInterval(30)
        while ((try? FileManager.default.contentsOfDirectory(atPath: locks)) ?? []).isEmpty, Date() < deadline {
            usleep(50_000)
        }
        usleep(500_000)   // into the stream's reading
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "")
    }

    @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143))])
    func interruptedBackupRemovesItsLockAndSaysSo(signal: Int32, expected: Int32) throws {
        let repo = try RepositoryScratch()
        let (status, stderr) = try Self.interruptedBackup(repo, signal: signal)
        #expect(status == expected, "\(stderr)")
        #expect(stderr.contains("kura: interrupted; no generation was written, the lock was removed; run the backup again"),
                "\(stderr)")
        #expect(stderr.split(separator: "\n").count == 1, "\(stderr)")
        let unlock = try repo.kura("unlock")
        #expect(unlock.status == 0 && unlock.output.contains("0 lock(s) removed, 0 live lock(s) kept"), "\(unlock.output)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: repo.path("repo/locks"))) ?? []).isEmpty)
        #expect(!(try repo.kura("generations", "--json").output.contains("\"subject\"")), "no generation")
        let next = try repo.kura("backup", "--subject", "db", "--stdin-from-command", "--stdin-filename", "db.sql", "--",
                                 "sh", "-c", "printf 'select 1;\\n'")
        #expect(next.status == 0, "\(next.stderr)")
        #expect(next.output.hasPrefix("db@1 "), "\(next.output)")
    }

    @Test func anInterruptedRunRemovesTheLockOfTheBackupItWasMaking() throws {
        let repo = try RepositoryScratch()
        let environment = try PolicyDumpSubjectTests.write(repo, """
            [subject.db]
            command = ["sh", "-c", "head -c 3000000 /dev/urandom; exec sleep 20"]
            stdin-filename = "db.sql"
            repositories = ["main"]
            """)
        let (status, stderr) = try Self.interrupted(repo, ["run"], environment: environment, signal: SIGTERM)
        #expect(status == 143, "\(stderr)")
        #expect(stderr.contains("kura: interrupted; the repository lock was removed"), "\(stderr)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: repo.path("repo/locks"))) ?? []).isEmpty,
                "no lock is left for the next run to wait on")
        let unlock = try repo.kura(arguments: ["unlock"], environment: environment)
        #expect(unlock.output.contains("0 lock(s) removed, 0 live lock(s) kept"), "\(unlock.output)")
    }
}
