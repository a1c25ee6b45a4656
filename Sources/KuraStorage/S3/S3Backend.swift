import Foundation
import NIOHTTP1

/// A repository in an S3-compatible bucket, under a key prefix, with the same layout as on
/// disk (config/, keys/, data/xx/, index/, ...). PUTs are atomic on S3, so a reader sees an
/// object whole or not at all; objects larger than the multipart threshold go up in parts,
/// and an upload that fails is aborted so no parts are left behind.
public struct S3Backend: StorageBackend {
    public let s3: S3Location
    let client: S3Client
    public var location: String { s3.description }
    public var overlappingWrites: Int { client.limits.overlappingPackUploads }

    /// Marks the prefix as a repository between `create()` and the config being written.
    var markerKey: String { s3.prefix.isEmpty ? "kura-repository" : "\(s3.prefix)/kura-repository" }

    public init(location: S3Location, signer: S3Signer, limits: S3Limits = .fromEnvironment()) {
        s3 = location
        client = S3Client(location: location, signer: signer, limits: limits)
    }

    public func create() async throws {
        let bucket = try await client.send(S3Request(method: .HEAD, key: ""))
        if bucket.status == 404 {
            var request = S3Request(method: .PUT, key: "")
            if s3.region != "us-east-1" {
                request.body = Array(("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                    + "<LocationConstraint>\(s3.region)</LocationConstraint></CreateBucketConfiguration>").utf8)
            }
            let created = try await client.send(request)
            guard created.status == 200 || created.errorCode == "BucketAlreadyOwnedByYou" else {
                throw failure(created, what: "creating bucket \(s3.bucket)")
            }
        } else if bucket.status != 200 {
            throw failure(bucket, what: "bucket \(s3.bucket)")
        }
        try await putObject(key: markerKey, bytes: Array("Kura repository\n".utf8), what: "the repository marker")
    }

    public func exists() async throws -> Bool {
        let response = try await client.send(S3Request(method: .HEAD, key: markerKey))
        switch response.status {
        case 200: return true
        case 404: return false
        default: throw failure(response, what: "the repository marker")
        }
    }

    public func put(_ name: ObjectName, bytes: [UInt8]) async throws {
        if bytes.count > client.limits.multipartThreshold {
            try await MultipartUpload(client: client, key: s3.key(for: name), what: name.description).run(bytes)
        } else {
            try await putObject(key: s3.key(for: name), bytes: bytes, what: name.description)
        }
    }

    private func putObject(key: String, bytes: [UInt8], what: String) async throws {
        let response = try await client.send(S3Request(method: .PUT, key: key, body: bytes))
        guard response.status == 200 else { throw failure(response, what: what) }
    }

    public func get(_ name: ObjectName) async throws -> [UInt8] {
        let response = try await client.send(S3Request(method: .GET, key: s3.key(for: name)))
        guard response.status == 200 else { throw failure(response, what: name.description, object: name) }
        return response.body
    }

    public func get(_ name: ObjectName, offset: Int, length: Int) async throws -> [UInt8] {
        guard length > 0 else { return [] }
        let response = try await client.send(S3Request(method: .GET, key: s3.key(for: name),
                                                       headers: ["range": "bytes=\(offset)-\(offset + length - 1)"]))
        switch response.status {
        case 200, 206:
            let bytes = response.status == 200 ? Array(response.body.dropFirst(offset).prefix(length)) : response.body
            guard bytes.count == length else { throw StorageError.shortRead(name, expected: length, got: bytes.count) }
            return bytes
        case 416:
            throw StorageError.shortRead(name, expected: length, got: 0)
        default:
            throw failure(response, what: name.description, object: name)
        }
    }

    /// Bytes between two wanted ranges that are cheaper to receive and drop than a new request.
    static let rangeGapWorthReading = 1 << 20

    /// One GET per group of ranges whose gaps are under `rangeGapWorthReading`, its body cut
    /// into the ranges as it streams in. If a connection fails part way, the retry asks only
    /// for what was not yet delivered.
    public func get(_ name: ObjectName, ranges: [Range<Int>], deliver: (Int, [UInt8]) async throws -> Void) async throws {
        var groupStart = 0
        for position in ranges.indices {
            let isLast = position == ranges.count - 1
            if isLast || ranges[position + 1].lowerBound - ranges[position].upperBound > Self.rangeGapWorthReading {
                try await streamGet(name, ranges: ranges, group: groupStart..<(position + 1), deliver: deliver)
                groupStart = position + 1
            }
        }
    }

    private func streamGet(_ name: ObjectName, ranges: [Range<Int>], group: Range<Int>,
                           deliver: (Int, [UInt8]) async throws -> Void) async throws {
        let key = s3.key(for: name)
        let end = ranges[group.upperBound - 1].upperBound
        var next = group.lowerBound
        /// Hands a range on; what the consumer throws ends the read without a retry.
        func handOn(_ position: Int, _ bytes: [UInt8]) async throws {
            do { try await deliver(position, bytes) } catch { throw NotRetryable(error: error) }
            next = position + 1
        }
        try await client.withRetries(S3Request(method: .GET, key: key)) {
            while next < group.upperBound, ranges[next].isEmpty { try await handOn(next, []) }
            guard next < group.upperBound else { return .done(()) }
            let start = ranges[next].lowerBound
            var request = S3Request(method: .GET, key: key, headers: ["range": "bytes=\(start)-\(end - 1)"])
            request.expectedBodySize = end - start
            var cutter = RangeCutter(ranges: ranges, next: next, position: start)
            let response = try await client.stream(request) { status, piece in
                // A server that ignores Range sends the whole object.
                if status == 200, !cutter.started { cutter.position = 0 }
                try await cutter.take(piece, until: group.upperBound, deliver: handOn)
            }
            switch response.status {
            case 200, 206:
                // Empty ranges at the very end need no bytes to arrive.
                while next < group.upperBound, ranges[next].isEmpty, ranges[next].lowerBound <= cutter.position {
                    try await handOn(next, [])
                }
                guard next == group.upperBound else {
                    throw NotRetryable(error: StorageError.shortRead(name, expected: end - start, got: max(0, cutter.position - start)))
                }
                return .done(())
            case 416:
                throw NotRetryable(error: StorageError.shortRead(name, expected: end - start, got: 0))
            default:
                if S3Client.isRetryable(response) { return .retry(response.errorSummary) }
                throw NotRetryable(error: failure(response, what: name.description, object: name))
            }
        }
    }

    public func stat(_ name: ObjectName) async throws -> ObjectInfo? {
        let response = try await client.send(S3Request(method: .HEAD, key: s3.key(for: name)))
        switch response.status {
        case 200: return ObjectInfo(name: name, size: response.headers.first(name: "content-length").flatMap(Int.init) ?? 0)
        case 404: return nil
        default: throw failure(response, what: name.description)
        }
    }

    public func list(_ kind: ObjectKind) async throws -> [ObjectInfo] {
        var result: [ObjectInfo] = []
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", s3.keyPrefix(for: kind))]
            if let token { query.append(("continuation-token", token)) }
            let response = try await client.send(S3Request(method: .GET, key: "", query: query))
            guard response.status == 200 else { throw failure(response, what: "listing \(kind.rawValue)/") }
            let text = String(decoding: response.body, as: UTF8.self)
            for block in S3XML.all("Contents", in: text, raw: true) {
                guard let key = S3XML.all("Key", in: block).first,
                      let base = key.split(separator: "/").last.map(String.init),
                      let name = try? ObjectName(kind, base) else { continue }
                result.append(ObjectInfo(name: name, size: S3XML.all("Size", in: block).first.flatMap(Int.init) ?? 0,
                                         modified: S3XML.all("LastModified", in: block).first.flatMap(S3XML.date)))
            }
            token = S3XML.all("IsTruncated", in: text).first == "true" ? S3XML.all("NextContinuationToken", in: text).first : nil
        } while token != nil
        return result
    }

    public func delete(_ name: ObjectName) async throws {
        let response = try await client.send(S3Request(method: .DELETE, key: s3.key(for: name)))
        guard response.status == 204 || response.status == 200 || response.status == 404 else {
            throw failure(response, what: name.description)
        }
    }

    /// The StorageError for an S3 error answer, naming the bucket and, for refusals, where
    /// the credentials came from.
    func failure(_ response: S3Response, what: String, object: ObjectName? = nil) -> StorageError {
        S3Backend.failure(response, what: what, object: object, location: s3, credentials: client.signer.credentials)
    }

    static func failure(_ response: S3Response, what: String, object: ObjectName?, location: S3Location,
                        credentials: S3Credentials) -> StorageError {
        let code = response.errorCode
        if response.status == 404, code != "NoSuchBucket", let object { return .notFound(object) }
        switch (response.status, code) {
        case (404, "NoSuchBucket"):
            return .locationMissing("\(location) (bucket \(location.bucket) does not exist; `kura init` creates it)")
        case (403, _), (401, _):
            return .accessDenied(location.description,
                                 reason: "\(response.errorSummary) on \(what), with the access key \(credentials.accessKeyID) from \(credentials.source)")
        default:
            return .ioFailure(location.description, reason: "\(what): \(response.errorSummary)", retryable: false)
        }
    }
}

/// An upload in parts: initiate, send the parts (in parallel, bounded by the client), then
/// complete; any failure aborts the upload so the server drops the parts.
struct MultipartUpload {
    let client: S3Client
    let key: String
    let what: String

    func run(_ bytes: [UInt8]) async throws {
        let initiated = try await client.send(S3Request(method: .POST, key: key, query: [("uploads", "")]))
        guard initiated.status == 200, let uploadID = S3XML.first("UploadId", in: initiated.body) else {
            throw fail(initiated)
        }
        do {
            let partSize = client.limits.partSize
            let ranges = stride(from: 0, to: bytes.count, by: partSize).map { $0..<min($0 + partSize, bytes.count) }
            let etags = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for (index, range) in ranges.enumerated() {
                    group.addTask {
                        let response = try await client.send(S3Request(
                            method: .PUT, key: key, query: [("partNumber", String(index + 1)), ("uploadId", uploadID)],
                            body: Array(bytes[range])))
                        guard response.status == 200, let etag = response.headers.first(name: "etag") else { throw fail(response) }
                        return (index + 1, etag)
                    }
                }
                return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
            }
            let parts = etags.sorted { $0.key < $1.key }
                .map { "<Part><PartNumber>\($0.key)</PartNumber><ETag>\($0.value)</ETag></Part>" }
            let completed = try await client.send(S3Request(
                method: .POST, key: key, query: [("uploadId", uploadID)],
                body: Array("<CompleteMultipartUpload>\(parts.joined())</CompleteMultipartUpload>".utf8)))
            // S3 may answer 200 with an error document when completing.
            guard completed.status == 200, S3XML.first("Code", in: completed.body) == nil else { throw fail(completed) }
        } catch {
            _ = try? await client.send(S3Request(method: .DELETE, key: key, query: [("uploadId", uploadID)]))
            throw error
        }
    }

    private func fail(_ response: S3Response) -> StorageError {
        S3Backend.failure(response, what: "uploading \(what) in parts", object: nil, location: client.location,
                          credentials: client.signer.credentials)
    }
}
