import Foundation

/// A real SeaweedFS S3 server on 127.0.0.1 for one test, started and stopped through
/// Scripts/seaweedfs.sh (authentication on: wrong signatures are refused).
public final class SeaweedServer: @unchecked Sendable {
    public static let accessKey = "kuratest"
    public static let secretKey = "kuratest-secret-key-0123456789"

    public let directory: String
    public let port: Int
    public var endpoint: String { "http://127.0.0.1:\(port)" }

    static let script: String = {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("Scripts/seaweedfs.sh").path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return "Scripts/seaweedfs.sh"
    }()

    /// Starts a server with its data in a new scratch folder, on a random port base (each
    /// server uses the 7 ports from there, and those + 10000 for gRPC).
    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kura-weed-\(UUID().uuidString)").path
        port = 20_000 + Int.random(in: 0..<900) * 10
        try start()
    }

    /// Starts (or restarts, keeping the data) the server.
    public func start() throws {
        let status = try Self.runScript(["start", directory, String(port)])
        guard status == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    /// Stops the server; `kill` makes it a crash (SIGKILL).
    public func stop(kill: Bool = false) {
        _ = try? Self.runScript(["stop", directory] + (kill ? ["--kill"] : []))
    }

    /// The AWS variables that point a client at this server.
    public var environment: [String: String] {
        ["AWS_ACCESS_KEY_ID": Self.accessKey, "AWS_SECRET_ACCESS_KEY": Self.secretKey, "AWS_REGION": "us-east-1",
         "AWS_ENDPOINT_URL": endpoint]
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func runScript(_ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script] + arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
