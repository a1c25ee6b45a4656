import Foundation
import KuraTestSupport
import Testing

/// A gone S3 server stops every command with one line and a non-zero exit within
/// KURA_S3_RETRY_SECONDS (plus the request deadline when the server hangs): a refused or
/// reset connection costs no deadline, and the retry budget bounds the outage, not each
/// request (docs/S3.md). The default KURA_S3_TIMEOUT (60 s) stays, so a deadline spent per
/// attempt shows.
@Suite struct S3OutageTests {
    static let budget = ["KURA_S3_RETRY_SECONDS": "5"]
    /// The retry budget plus room for a loaded 2-core machine, well under one 60 s deadline.
    static let bound: TimeInterval = 5 + 20

    /// Runs kura, returning its result and how long it took.
    static func timed(_ repo: RepositoryScratch, _ arguments: [String], environment: [String: String]) throws
        -> (CommandResult, TimeInterval) {
        let started = Date()
        let result = try repo.kura(arguments: arguments, environment: environment)
        return (result, Date().timeIntervalSince(started))
    }

    @Test func aRefusedPortEndsEveryCommandWithinTheRetryBudget() throws {
        let repo = try RepositoryScratch()
        try repo.writeRandom("data/f", size: 1000, seed: 1)
        // A port nothing listens on: the kernel refuses every connection at once.
        let refused = ["KURA_REPOSITORY": "s3://refused/x", "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
                       "AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"].merging(Self.budget) { $1 }
        for arguments in [["generations"], ["check"], ["restore", "s@latest", "--target", repo.path("out")],
                          ["backup", "--subject", "s", repo.path("data")]] {
            let (result, seconds) = try Self.timed(repo, arguments, environment: refused)
            print("\(arguments[0]) against a refused port: exit \(result.status) after \(String(format: "%.1f", seconds)) s")
            #expect(result.status == 1 && result.stderr.split(separator: "\n").count == 1
                    && result.stderr.contains("127.0.0.1:9"), "\(arguments[0]): \(result.stderr)")
            #expect(seconds < Self.bound, "\(arguments[0]) took \(seconds) s")
        }
    }

    @Test func aBackupWhoseServerIsKilledExitsWithinTheRetryBudget() throws {
        let server = try SeaweedServer()
        let repo = try S3RepositoryTests.repository(server, extra: Self.budget)
        for index in 0..<48 { try repo.writeRandom("data/f\(index)", size: 8_000_000, seed: UInt64(index + 1)) }
        let errors = repo.path("backup.err")
        _ = FileManager.default.createFile(atPath: errors, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Tools.kura)
        process.arguments = ["backup", "--subject", "s", repo.path("data")]
        process.environment = ProcessInfo.processInfo.environment.merging(repo.environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
        try process.run()
        // Until packs are going up.
        usleep(1_000_000)
        #expect(process.isRunning, "the backup ended before the server was killed")
        server.stop(kill: true)
        let killed = Date()
        while process.isRunning, Date().timeIntervalSince(killed) < 120 { usleep(100_000) }
        let seconds = Date().timeIntervalSince(killed)
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        print("backup with its server killed: exit \(process.terminationStatus) after \(String(format: "%.1f", seconds)) s")
        let stderr = String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: errors))) ?? Data(), as: UTF8.self)
        #expect(process.terminationStatus == 1 && stderr.split(separator: "\n").count == 1, "\(stderr)")
        #expect(seconds < Self.bound, "the backup took \(seconds) s to stop after its server was killed")
    }
}
