import AsyncHTTPClient
import Foundation
import NIOCore

/// The process's one HTTP client for S3, made on first use and shut down by `shutDown()`,
/// which the CLI calls on every way out.
///
/// AsyncHTTPClient's shared client retries a refused or timed-out connection inside the pool
/// until the request's deadline (60 s by default) without ever reporting the failure, so a
/// dead server cost a whole deadline per attempt and `KURA_S3_RETRY_SECONDS` could not bound
/// anything. This client fails an attempt as soon as its connection cannot be made, and
/// `S3Client` decides about retries, within its budget.
public enum S3Transport {
    // The two statics are read and written only under `lock`.
    private static let lock = NSLock()
    nonisolated(unsafe) private static var client: HTTPClient?
    nonisolated(unsafe) private static var isShutDown = false

    /// How long one connection attempt may take before the attempt counts as failed.
    static let connectTimeout: TimeAmount = .seconds(10)

    /// The client; throws once `shutDown()` has run.
    static func shared() throws -> HTTPClient {
        try lock.withLock {
            guard !isShutDown else { throw HTTPClientError.alreadyShutdown }
            if let client { return client }
            var configuration = HTTPClient.Configuration.singletonConfiguration
            configuration.timeout = .init(connect: connectTimeout, read: .seconds(90))
            configuration.connectionPool.retryConnectionEstablishment = false
            let made = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            client = made
            return made
        }
    }

    /// Cancels what is still in flight, closes the connections and refuses new requests.
    /// Does nothing when no S3 request was ever made.
    public static func shutDown() async {
        let current = lock.withLock { () -> HTTPClient? in
            isShutDown = true
            defer { client = nil }
            return client
        }
        try? await current?.shutdown()
    }
}
