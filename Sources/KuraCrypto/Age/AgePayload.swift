import Dispatch
import Foundation

/// The age payload: a 16-byte nonce, then the STREAM construction over ChaCha20-Poly1305 in
/// 64 KiB chunks. Chunks are independent given their counter, so batches of them are sealed
/// or opened on every core at once; memory stays bounded by one batch.
struct AgePayload {
    static let nonceSize = 16
    static let chunkSize = 64 * 1024
    static let sealedChunkSize = chunkSize + AEADAlgorithm.tagSize
    static let chunksPerBatch = 64

    private let key: SecureBytes
    private let ciphers: [AEADCipher]

    /// payload key = HKDF-SHA-256(ikm = file key, salt = nonce, info = "payload")
    init(fileKey: SecureBytes, nonce: [UInt8], workers: Int = AgePayload.defaultWorkers) throws {
        let key = try HKDF.deriveKey(inputKeyMaterial: fileKey, salt: nonce, info: Array("payload".utf8), length: 32)
        self.key = key
        ciphers = try (0..<max(1, workers)).map { _ in try AEADCipher(.chacha20Poly1305, key: key) }
    }

    static var defaultWorkers: Int { min(8, max(1, ProcessInfo.processInfo.activeProcessorCount)) }

    /// The 12-byte chunk nonce: an 11-byte big-endian counter and the final-chunk flag.
    private static func chunkNonce(_ counter: UInt64, final: Bool) -> [UInt8] {
        var nonce = [UInt8](repeating: 0, count: 12)
        for index in 0..<8 { nonce[3 + index] = UInt8(truncatingIfNeeded: counter >> UInt64(8 * (7 - index))) }
        nonce[11] = final ? 1 : 0
        return nonce
    }

    func encrypt(from source: ByteSource, to sink: ByteSink) throws {
        let plain = ChunkBuffer(count: Self.chunksPerBatch * Self.chunkSize)
        let sealed = ChunkBuffer(count: Self.chunksPerBatch * Self.sealedChunkSize)
        defer { plain.zeroAndFree(); sealed.free() }
        var lookahead = LookaheadReader(source: source)
        var counter: UInt64 = 0
        while true {
            let (length, atEnd) = try lookahead.fill(plain.bytes)
            let chunks = max(1, (length + Self.chunkSize - 1) / Self.chunkSize)
            try parallelChunks(chunks) { cipher, index in
                let start = index * Self.chunkSize
                let end = min(start + Self.chunkSize, length)
                let output = UnsafeMutableRawBufferPointer(rebasing: sealed.bytes[(index * Self.sealedChunkSize)...]
                    .prefix(end - start + AEADAlgorithm.tagSize))
                let nonce = Self.chunkNonce(counter + UInt64(index), final: atEnd && index == chunks - 1)
                try nonce.withUnsafeBytes { n in
                    try cipher.seal(UnsafeRawBufferPointer(rebasing: plain.bytes[start..<end]), nonce: n,
                                    associatedData: UnsafeRawBufferPointer(start: nil, count: 0), into: output)
                }
            }
            try sink.write(UnsafeRawBufferPointer(rebasing: sealed.bytes[..<(length + chunks * AEADAlgorithm.tagSize)]))
            counter += UInt64(chunks)
            if atEnd { return }
        }
    }

    func decrypt(from source: ByteSource, to sink: ByteSink) throws {
        let sealed = ChunkBuffer(count: Self.chunksPerBatch * Self.sealedChunkSize)
        let plain = ChunkBuffer(count: Self.chunksPerBatch * Self.chunkSize)
        defer { plain.zeroAndFree(); sealed.free() }
        var lookahead = LookaheadReader(source: source)
        var counter: UInt64 = 0
        while true {
            let (length, atEnd) = try lookahead.fill(sealed.bytes)
            guard length > 0 else { throw AgeError.payloadTruncated }
            let chunks = (length + Self.sealedChunkSize - 1) / Self.sealedChunkSize
            let lastLength = length - (chunks - 1) * Self.sealedChunkSize
            if atEnd {
                guard lastLength >= AEADAlgorithm.tagSize else { throw AgeError.payloadTruncated }
                if lastLength == AEADAlgorithm.tagSize, counter + UInt64(chunks) > 1 { throw AgeError.emptyFinalChunk }
            }
            let failures = FailureRecorder()
            func open(_ cipher: AEADCipher, _ index: Int, final: Bool) throws {
                let start = index * Self.sealedChunkSize
                let end = min(start + Self.sealedChunkSize, length)
                let output = UnsafeMutableRawBufferPointer(rebasing: plain.bytes[(index * Self.chunkSize)...]
                    .prefix(end - start - AEADAlgorithm.tagSize))
                let nonce = Self.chunkNonce(counter + UInt64(index), final: final)
                try nonce.withUnsafeBytes { n in
                    try cipher.open(UnsafeRawBufferPointer(rebasing: sealed.bytes[start..<end]), nonce: n,
                                    associatedData: UnsafeRawBufferPointer(start: nil, count: 0), into: output)
                }
            }
            try parallelChunks(chunks) { cipher, index in
                do {
                    try open(cipher, index, final: atEnd && index == chunks - 1)
                } catch CryptoError.authenticationFailure {
                    failures.record(index)
                }
            }
            if let failed = failures.first {
                // Say what went wrong: a chunk that opens with the other final flag means the
                // stream was cut (or extended) at a chunk boundary, not that bytes were altered.
                let wasFinal = atEnd && failed == chunks - 1
                let opensWithOtherFlag = (try? open(ciphers[0], failed, final: !wasFinal)) != nil
                try sink.write(UnsafeRawBufferPointer(rebasing: plain.bytes[..<(failed * Self.chunkSize)]))
                if opensWithOtherFlag { throw wasFinal ? AgeError.payloadTruncated : AgeError.trailingData }
                throw AgeError.payloadDamaged(chunk: counter + UInt64(failed))
            }
            try sink.write(UnsafeRawBufferPointer(rebasing: plain.bytes[..<(length - chunks * AEADAlgorithm.tagSize)]))
            counter += UInt64(chunks)
            if atEnd { return }
        }
    }

    /// Runs `body` for chunk indices 0..<count, spread over the workers, each with its own cipher.
    private func parallelChunks(_ count: Int, _ body: @escaping (AEADCipher, Int) throws -> Void) throws {
        let workers = min(ciphers.count, count)
        if workers <= 1 {
            for index in 0..<count { try body(ciphers[0], index) }
            return
        }
        let errors = FailureRecorder()
        let work = BatchWork(ciphers: ciphers, body: body)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            do {
                for index in stride(from: worker, to: count, by: workers) { try work.body(work.ciphers[worker], index) }
            } catch {
                errors.record(error)
            }
        }
        if let error = errors.firstError { throw error }
    }
}

/// Fills buffers from a source and tells whether the source ended, by reading one byte
/// ahead and carrying it into the next fill.
private struct LookaheadReader {
    let source: ByteSource
    var carried: UInt8?

    init(source: ByteSource) { self.source = source }

    mutating func fill(_ buffer: UnsafeMutableRawBufferPointer) throws -> (length: Int, atEnd: Bool) {
        var length = 0
        if let byte = carried {
            buffer[0] = byte
            carried = nil
            length = 1
        }
        length += try source.fill(UnsafeMutableRawBufferPointer(rebasing: buffer[length...]))
        if length < buffer.count { return (length, true) }
        var next: UInt8 = 0
        let extra = try withUnsafeMutableBytes(of: &next) { try source.fill($0) }
        if extra == 0 { return (length, true) }
        carried = next
        return (length, false)
    }
}

/// A page-aligned scratch buffer shared by the workers of one batch.
final class ChunkBuffer: @unchecked Sendable {
    let bytes: UnsafeMutableRawBufferPointer

    init(count: Int) {
        bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 4096)
    }

    func zeroAndFree() {
        secureZero(bytes)
        bytes.deallocate()
    }

    func free() { bytes.deallocate() }
}

/// Collects failures from concurrent workers.
final class FailureRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var indices: [Int] = []
    private var errors: [any Error] = []

    func record(_ index: Int) { lock.withLock { indices.append(index) } }
    func record(_ error: any Error) { lock.withLock { errors.append(error) } }
    var first: Int? { lock.withLock { indices.min() } }
    var firstError: (any Error)? { lock.withLock { errors.first } }
}

/// What the workers of one batch share: a cipher each (contexts are not thread-safe) and
/// the per-chunk work, which touches disjoint parts of the batch buffers.
private final class BatchWork: @unchecked Sendable {
    let ciphers: [AEADCipher]
    let body: (AEADCipher, Int) throws -> Void

    init(ciphers: [AEADCipher], body: @escaping (AEADCipher, Int) throws -> Void) {
        self.ciphers = ciphers
        self.body = body
    }
}
