import Foundation
#if canImport(Glibc)
import Glibc
#endif

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

    /// Starts a server with its data in a new scratch folder, on a port base of its own (each
    /// server uses the 7 ports from there, and those + 10000 for gRPC).
    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kura-weed-\(UUID().uuidString)").path
        port = PortBases.shared.claim()
        do {
            try start()
        } catch {
            PortBases.shared.release(port)
            throw error
        }
    }

    /// Starts (or restarts, keeping the data) the server.
    public func start() throws {
        let (status, errors) = try Self.runScript(["start", directory, String(port)])
        guard status == 0 else { throw StartFailure(description: "SeaweedFS did not start: \(errors)") }
    }

    public struct StartFailure: Error, CustomStringConvertible {
        public let description: String
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
        PortBases.shared.release(port)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs the script; returns its exit status and what it wrote to stderr.
    private static func runScript(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        let errors = Pipe()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }
}

/// Hands out port bases for SeaweedFS servers: never one another server of this process holds
/// (a second server on a taken base would fail to bind, and its test would talk to the first
/// server), and only bases whose 14 ports nothing on this machine listens on or connects from.
/// Bases lie in 10000–19990, so every port (gRPC ones too) stays below Linux's ephemeral range
/// (32768 and up), where outgoing connections could take them at any moment.
final class PortBases: @unchecked Sendable {
    static let shared = PortBases()
    private let lock = NSLock()
    private var taken: Set<Int> = []

    func claim() -> Int {
        lock.withLock {
            while true {
                let base = 10_000 + Int.random(in: 0..<1000) * 10
                let ports = Array(base..<(base + 7)) + Array((base + 10_000)..<(base + 10_007))
                if !taken.contains(base), ports.allSatisfy(Self.isFree) {
                    taken.insert(base)
                    return base
                }
            }
        }
    }

    func release(_ base: Int) { _ = lock.withLock { taken.remove(base) } }

    /// Whether 127.0.0.1:`port` can be bound right now.
    private static func isFree(_ port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
