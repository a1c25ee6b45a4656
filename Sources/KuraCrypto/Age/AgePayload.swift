import Foundation

/// The age payload: a 16-byte nonce, then the STREAM construction over ChaCha20-Poly1305 in
/// 64 KiB chunks. Chunks are independent given their counter, so batches of chunks are
/// sealed or opened on every core at once (OrderedBatchPipeline); memory stays bounded.
struct AgePayload {
    static let nonceSize = 16
    static let chunkSize = 64 * 1024
    static let sealedChunkSize = chunkSize + AEADAlgorithm.tagSize
    /// 1 MiB batches: large enough to amortise the hand-offs, small enough to stay in cache.
    static let chunksPerBatch = 16

    private let ciphers: [AEADCipher]

    /// payload key = HKDF-SHA-256(ikm = file key, salt = nonce, info = "payload")
    init(fileKey: SecureBytes, nonce: [UInt8], workers: Int = AgePayload.defaultWorkers) throws {
        let key = try HKDF.deriveKey(inputKeyMaterial: fileKey, salt: nonce, info: Array("payload".utf8), length: 32)
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

    private static var noData: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: nil, count: 0) }

    func encrypt(from source: ByteSource, to sink: ByteSink) throws {
        var lookahead = LookaheadReader(source: source)
        let ciphers = self.ciphers
        let pipeline = OrderedBatchPipeline(
            read: { try lookahead.fill($0) },
            transform: { worker, batch, plain, length, atEnd, sealed in
                let chunks = max(1, (length + Self.chunkSize - 1) / Self.chunkSize)
                let firstCounter = UInt64(batch) * UInt64(Self.chunksPerBatch)
                for index in 0..<chunks {
                    let start = index * Self.chunkSize
                    let end = min(start + Self.chunkSize, length)
                    let output = UnsafeMutableRawBufferPointer(rebasing: sealed[(index * Self.sealedChunkSize)...]
                        .prefix(end - start + AEADAlgorithm.tagSize))
                    let nonce = Self.chunkNonce(firstCounter + UInt64(index), final: atEnd && index == chunks - 1)
                    try nonce.withUnsafeBytes { n in
                        try ciphers[worker].seal(UnsafeRawBufferPointer(rebasing: plain[start..<end]), nonce: n,
                                                 associatedData: Self.noData, into: output)
                    }
                }
                return .write(length + chunks * AEADAlgorithm.tagSize)
            },
            write: { try sink.write($0) })
        try pipeline.run(workers: ciphers.count, inputSize: Self.chunksPerBatch * Self.chunkSize,
                         outputSize: Self.chunksPerBatch * Self.sealedChunkSize)
    }

    func decrypt(from source: ByteSource, to sink: ByteSink) throws {
        var lookahead = LookaheadReader(source: source)
        let ciphers = self.ciphers
        let pipeline = OrderedBatchPipeline(
            read: { try lookahead.fill($0) },
            transform: { worker, batch, sealed, length, atEnd, plain in
                let firstCounter = UInt64(batch) * UInt64(Self.chunksPerBatch)
                guard length > 0 else { throw AgeError.payloadTruncated }
                let chunks = (length + Self.sealedChunkSize - 1) / Self.sealedChunkSize
                let lastLength = length - (chunks - 1) * Self.sealedChunkSize
                func open(_ index: Int, final: Bool) throws {
                    let start = index * Self.sealedChunkSize
                    let end = min(start + Self.sealedChunkSize, length)
                    let output = UnsafeMutableRawBufferPointer(rebasing: plain[(index * Self.chunkSize)...]
                        .prefix(end - start - AEADAlgorithm.tagSize))
                    let nonce = Self.chunkNonce(firstCounter + UInt64(index), final: final)
                    try nonce.withUnsafeBytes { n in
                        try ciphers[worker].open(UnsafeRawBufferPointer(rebasing: sealed[start..<end]), nonce: n,
                                                 associatedData: Self.noData, into: output)
                    }
                }
                for index in 0..<chunks {
                    let isFinal = atEnd && index == chunks - 1
                    if isFinal {
                        if lastLength < AEADAlgorithm.tagSize {
                            return .writeThenFail(index * Self.chunkSize, AgeError.payloadTruncated)
                        }
                        if lastLength == AEADAlgorithm.tagSize, firstCounter + UInt64(index) > 0 {
                            return .writeThenFail(index * Self.chunkSize, AgeError.emptyFinalChunk)
                        }
                    }
                    do {
                        try open(index, final: isFinal)
                    } catch CryptoError.authenticationFailure {
                        // A chunk that opens with the other final flag means the stream was cut
                        // (or extended) at a chunk boundary, not that bytes were altered.
                        let opensOtherwise = (try? open(index, final: !isFinal)) != nil
                        let error: AgeError = opensOtherwise ? (isFinal ? .payloadTruncated : .trailingData)
                            : .payloadDamaged(chunk: firstCounter + UInt64(index))
                        return .writeThenFail(index * Self.chunkSize, error)
                    }
                }
                return .write(length - chunks * AEADAlgorithm.tagSize)
            },
            write: { try sink.write($0) })
        try pipeline.run(workers: ciphers.count, inputSize: Self.chunksPerBatch * Self.sealedChunkSize,
                         outputSize: Self.chunksPerBatch * Self.chunkSize)
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

/// A page-aligned buffer owned by one pipeline worker.
final class ChunkBuffer: @unchecked Sendable {
    let bytes: UnsafeMutableRawBufferPointer

    init(count: Int) {
        bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 4096)
    }

    func zeroAndFree() {
        secureZero(bytes)
        bytes.deallocate()
    }
}
