import Foundation
@testable import KuraStorage
import KuraTestSupport
import Testing

/// The S3 backend against a real SeaweedFS server with authentication on.
@Suite struct S3BackendTests {
    static func backend(_ server: SeaweedServer, bucket: String = "kura-\(UInt32.random(in: 0...UInt32.max))",
                        secret: String = SeaweedServer.secretKey, limits: S3Limits = S3Limits()) throws -> S3Backend {
        let location = try S3Location.parse("s3://\(bucket)/repo", environment: server.environment)
        let credentials = S3Credentials(accessKeyID: SeaweedServer.accessKey, secretAccessKey: secret, source: "the test")
        return S3Backend(location: location, signer: S3Signer(credentials: credentials, region: location.region, hashing: .test),
                         limits: limits)
    }

    @Test func conformance() async throws {
        let server = try SeaweedServer()
        try await BackendConformance.run(try Self.backend(server))
    }

    @Test func largeObjectsGoUpInParts() async throws {
        let server = try SeaweedServer()
        var limits = S3Limits()
        limits.multipartThreshold = 6 << 20
        limits.partSize = 5 << 20
        let backend = try Self.backend(server, limits: limits)
        try await backend.create()
        let name = try ObjectName(.data, "ff" + String(repeating: "1", count: 62))
        let bytes = (0..<(12 << 20 + 12_345)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 11) }
        try await backend.put(name, bytes: bytes)
        #expect(try await backend.stat(name)?.size == bytes.count)
        #expect(try await backend.get(name) == bytes)
        #expect(try await backend.get(name, offset: 6 << 20, length: 100) == Array(bytes[(6 << 20)..<((6 << 20) + 100)]))
    }

    @Test func refusalsAreNotRetriedAndNameTheCredentials() async throws {
        let server = try SeaweedServer()
        try await Self.backend(server, bucket: "kura-refused").create()
        let wrong = try Self.backend(server, bucket: "kura-refused", secret: "not-the-secret")
        let started = Date()
        do {
            _ = try await wrong.list(.keys)
            Issue.record("a wrong secret was accepted")
        } catch let error as StorageError {
            guard case .accessDenied(_, let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason.contains("kuratest") && reason.contains("the test"))
        }
        #expect(Date().timeIntervalSince(started) < 5)
    }

    /// A ranged read whose connection breaks part way resumes where it stopped: ranges
    /// already delivered are not asked for or handed on again.
    @Test func aBrokenRangedReadResumesAfterWhatWasDelivered() async throws {
        let server = try SeaweedServer()
        let relay = try BreakingRelay(to: server.port, cutAfter: 600_000)
        var environment = server.environment
        environment["AWS_ENDPOINT_URL"] = relay.endpoint
        let location = try S3Location.parse("s3://kura-relay/repo", environment: environment)
        let credentials = S3Credentials(accessKeyID: SeaweedServer.accessKey, secretAccessKey: SeaweedServer.secretKey, source: "the test")
        let backend = S3Backend(location: location, signer: S3Signer(credentials: credentials, region: location.region, hashing: .test))
        try await backend.create()
        let name = try ObjectName(.data, "ee" + String(repeating: "2", count: 62))
        let bytes = (0..<(2 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ $0 >> 10) }
        try await backend.put(name, bytes: bytes)
        let ranges = (0..<8).map { $0 * 250_000..<($0 * 250_000 + 200_000) }
        var delivered: [Int] = []
        try await backend.get(name, ranges: ranges) { position, piece in
            #expect(piece == Array(bytes[ranges[position]]))
            delivered.append(position)
        }
        #expect(delivered == Array(ranges.indices))
        let asked = relay.requests.filter { $0.lowercased().hasPrefix("range:") }
        // The first answer broke after about 600,000 bytes; the retry starts at the first
        // range not yet handed on (how many were depends on when the client saw the break).
        let resumedAt = ranges.dropFirst().map { "range: bytes=\($0.lowerBound)-1949999" }
        #expect(asked.count == 2 && asked[0].lowercased() == "range: bytes=0-1949999", "\(asked)")
        #expect(resumedAt.contains(asked.last?.lowercased() ?? ""), "\(asked)")
    }

    @Test func aServerThatIsGoneFailsWithinTheRetryBudget() async throws {
        let server = try SeaweedServer()
        var limits = S3Limits()
        limits.retryBudget = 2
        limits.requestTimeout = 2
        let backend = try Self.backend(server, limits: limits)
        try await backend.create()
        server.stop(kill: true)
        let started = Date()
        do {
            _ = try await backend.list(.data)
            Issue.record("listing succeeded with the server gone")
        } catch let error as StorageError {
            #expect(error.isRetryable)
            #expect("\(error)".contains("did not complete"))
        }
        // The budget (2 s) plus one request deadline (2 s), with room for a loaded CI machine:
        // far from the default 120 s, and never a hang.
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed < 20, "gave up after \(elapsed) s")
    }
}
