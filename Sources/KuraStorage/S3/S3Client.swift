import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Limits on time and parallelism for S3 requests.
public struct S3Limits: Sendable {
    /// Deadline of one request: this, plus a second per MiB of body.
    public var requestTimeout: TimeInterval = 60
    /// Retries of one request stop once this much time has passed since its first attempt.
    public var retryBudget: TimeInterval = 120
    /// Requests in flight at once.
    public var parallelRequests = 8
    /// Packs (16 MiB each) uploading while the backup fills the next one.
    public var overlappingPackUploads = 2
    /// Objects larger than this are uploaded in parts of `partSize`.
    public var multipartThreshold = 64 << 20
    public var partSize = 16 << 20

    public init() {}

    /// The defaults, overridden by KURA_S3_TIMEOUT, KURA_S3_RETRY_SECONDS,
    /// KURA_S3_PARALLEL, KURA_S3_PACK_UPLOADS, KURA_S3_MULTIPART_THRESHOLD and
    /// KURA_S3_PART_SIZE (bytes).
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> S3Limits {
        var limits = S3Limits()
        if let value = environment["KURA_S3_TIMEOUT"].flatMap(Double.init), value > 0 { limits.requestTimeout = value }
        if let value = environment["KURA_S3_RETRY_SECONDS"].flatMap(Double.init), value >= 0 { limits.retryBudget = value }
        if let value = environment["KURA_S3_PARALLEL"].flatMap(Int.init), value > 0 { limits.parallelRequests = value }
        if let value = environment["KURA_S3_PACK_UPLOADS"].flatMap(Int.init), value >= 0 { limits.overlappingPackUploads = value }
        if let value = environment["KURA_S3_MULTIPART_THRESHOLD"].flatMap(Int.init), value > 0 { limits.multipartThreshold = value }
        if let value = environment["KURA_S3_PART_SIZE"].flatMap(Int.init), value >= 5 << 20 { limits.partSize = value }
        return limits
    }
}

/// One S3 request, before signing.
struct S3Request {
    var method: HTTPMethod
    /// The object key, or "" for the bucket itself.
    var key: String
    var query: [(String, String)] = []
    var headers: [String: String] = [:]
    var body: [UInt8] = []
    /// Bytes the answer should carry (ranged GETs), to give the request time to deliver them.
    var expectedBodySize = 0
}

/// An error from the consumer of a streamed body (damage, a failed write): never retried.
struct NotRetryable: Error {
    let error: any Error
}

struct S3Response {
    let status: Int
    let headers: HTTPHeaders
    let body: [UInt8]

    /// The `<Code>` of an S3 error document, or the status when there is none.
    var errorCode: String { S3XML.first("Code", in: body) ?? "HTTP \(status)" }
    var errorMessage: String { S3XML.first("Message", in: body) ?? "" }
    /// "Code: message", or the code alone, for error messages.
    var errorSummary: String { errorMessage.isEmpty ? errorCode : "\(errorCode): \(errorMessage)" }
}

/// Signs, sends and retries S3 requests: a deadline on each attempt, exponential backoff with
/// jitter on 5xx, 429, timeouts and broken connections, bounded in total time; never a retry
/// on a 4xx answer (wrong credentials, no permission, no such bucket).
final class S3Client: Sendable {
    let location: S3Location
    let signer: S3Signer
    let limits: S3Limits
    private let gate: RequestGate
    private let outage = ServerOutage()

    init(location: S3Location, signer: S3Signer, limits: S3Limits) {
        self.location = location
        self.signer = signer
        self.limits = limits
        gate = RequestGate(limit: limits.parallelRequests)
    }

    /// The response to `request` once the server answered with anything but a retryable
    /// failure; throws `ioFailure` when the retry budget runs out.
    func send(_ request: S3Request) async throws -> S3Response {
        // Hashed once: a retry signs the same body again (a 16 MiB pack takes ~10 ms to hash).
        let payloadHash = S3Signer.hex(signer.hashing.sha256(request.body))
        return try await withRetries(request) {
            let response = try await self.gate.run {
                try await Self.collect(try await self.execute(request, payloadHash: payloadHash), method: request.method)
            }
            return Self.isRetryable(response) ? .retry(response.errorSummary) : .done(response)
        }
    }

    /// Sends `request` (a GET) once, handing a 200 or 206 answer's body to `consume` piece by
    /// piece as it arrives, with the status; any other answer comes back whole. No retry: the
    /// caller knows where to resume.
    func stream(_ request: S3Request, consume: (Int, ByteBuffer) async throws -> Void) async throws -> S3Response {
        try await gate.run {
            let response = try await execute(request, payloadHash: S3Signer.emptyPayloadHash)
            guard response.status == .ok || response.status == .partialContent else {
                return try await Self.collect(response, method: request.method)
            }
            for try await piece in response.body { try await consume(Int(response.status.code), piece) }
            return S3Response(status: Int(response.status.code), headers: response.headers, body: [])
        }
    }

    static func isRetryable(_ response: S3Response) -> Bool {
        response.status >= 500 || response.status == 429 || response.status == 408
    }

    enum Attempt<T> {
        case done(T)
        /// Try again after a pause; the text says what went wrong, for the final message.
        case retry(String)
    }

    /// Runs `operation` until it is done, pausing with exponential backoff and jitter after a
    /// retryable answer or a thrown error (timeout, broken connection, refused connection),
    /// until the retry budget is spent, counted from this request's start or from the start of
    /// the outage other requests have seen, whichever is earlier (`ServerOutage`). Errors
    /// wrapped in `NotRetryable` end it at once, unwrapped.
    func withRetries<T>(_ request: S3Request, _ operation: () async throws -> Attempt<T>) async throws -> T {
        if let verdict = outage.gaveUp { throw verdict }
        let started = Date()
        var attempt = 0
        var lastProblem = ""
        while true {
            attempt += 1
            do {
                switch try await operation() {
                case .done(let result):
                    outage.answered()
                    return result
                case .retry(let problem): lastProblem = problem
                }
            } catch is CancellationError {
                throw CancellationError()
            } catch let failure as NotRetryable {
                outage.answered()
                throw failure.error
            } catch {
                lastProblem = "\(error)"
            }
            let now = Date()
            let elapsed = now.timeIntervalSince(min(started, outage.failed(at: now)))
            let pause = min(0.25 * pow(2, Double(attempt - 1)), 10) * Double.random(in: 0.5...1)
            if let verdict = outage.gaveUp { throw verdict }
            guard elapsed + pause <= limits.retryBudget else {
                let verdict = StorageError.ioFailure(
                    location.description,
                    reason: "the S3 server did not complete \(request.method.rawValue) \(request.key.isEmpty ? location.bucket : request.key) "
                        + "(\(lastProblem)) after \(attempt) attempt(s) over \(Int(elapsed.rounded())) s; check that it is running and reachable",
                    retryable: true)
                outage.giveUp(verdict)
                throw verdict
            }
            try await Task.sleep(nanoseconds: UInt64(pause * 1_000_000_000))
        }
    }

    /// Signs and sends one attempt of `request`; the answer's body is still to be read.
    private func execute(_ request: S3Request, payloadHash: String) async throws -> HTTPClientResponse {
        let path = location.path(forKey: request.key)
        var toSign = request.headers
        toSign["host"] = location.hostHeader
        let signed = signer.sign(method: request.method.rawValue, path: path, query: request.query, headers: toSign,
                                 payloadHash: payloadHash)
        let query = request.query.map { "\(S3Signer.uriEncode($0.0))=\(S3Signer.uriEncode($0.1))" }.joined(separator: "&")
        var httpRequest = HTTPClientRequest(url: "\(location.scheme)://\(location.hostHeader)\(path)" + (query.isEmpty ? "" : "?\(query)"))
        httpRequest.method = request.method
        for (name, value) in request.headers { httpRequest.headers.add(name: name, value: value) }
        for (name, value) in signed { httpRequest.headers.add(name: name, value: value) }
        if !request.body.isEmpty || request.method == .PUT || request.method == .POST {
            httpRequest.body = .bytes(request.body)
        }
        let expected = max(request.body.count, request.expectedBodySize)
        let timeout = limits.requestTimeout + Double(expected) / Double(1 << 20)
        let http: HTTPClient
        do {
            http = try S3Transport.shared()
        } catch {
            throw NotRetryable(error: StorageError.ioFailure(location.description, reason: "kura is exiting", retryable: false))
        }
        return try await http.execute(httpRequest, timeout: .milliseconds(Int64(timeout * 1000)))
    }

    /// The answer with its whole body.
    private static func collect(_ response: HTTPClientResponse, method: HTTPMethod) async throws -> S3Response {
        let limit = method == .HEAD ? 0 : 1 << 30
        var buffer = try await response.body.collect(upTo: max(limit, 1))
        return S3Response(status: Int(response.status.code), headers: response.headers,
                          body: buffer.readBytes(length: buffer.readableBytes) ?? [])
    }
}
