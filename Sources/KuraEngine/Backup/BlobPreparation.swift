import Dispatch
import Foundation
import KuraRepository

/// The CPU-heavy part of storing chunks, done for a batch of chunks on every core at once:
/// the keyed ID (HMAC-SHA-256), and for chunks the repository does not have yet, compression
/// and padding. Encryption and packing stay on the caller's thread, in order.
enum BlobPreparation {
    struct Prepared: Sendable {
        let id: BlobID
        let rawLength: Int
        /// nil when the repository already holds the blob.
        let encoded: [UInt8]?
    }

    /// Starts preparing the chunks at the front of `buffer`, cut at `lengths`, on worker
    /// threads, so the caller can go on reading; the buffer's bytes must stay as they are
    /// until the batch is prepared. A single chunk (a small file) is prepared at once on
    /// the caller's thread: a round trip through Dispatch would cost more than it saves.
    static func start(chunksOf buffer: FileBuffer, lengths: [Int], repository: Repository) -> Batch {
        let batch = Batch()
        let input = SharedInput(buffer: buffer, bytes: buffer.available, repository: repository)
        if lengths.count <= 1 {
            batch.finish(prepare(input, lengths: lengths))
        } else {
            DispatchQueue.global().async { batch.finish(prepare(input, lengths: lengths)) }
        }
        return batch
    }

    /// Adds the prepared blobs the repository does not have yet, in order; returns every ID.
    static func store(_ prepared: some Collection<Prepared>, in repository: Repository) async throws -> [BlobID] {
        var ids: [BlobID] = []
        ids.reserveCapacity(prepared.count)
        for blob in prepared {
            if let encoded = blob.encoded {
                try await repository.add(id: blob.id, type: .data, encoded: encoded, rawLength: blob.rawLength)
            }
            ids.append(blob.id)
        }
        return ids
    }

    private static func prepare(_ input: SharedInput, lengths: [Int]) -> [Prepared] {
        var running = 0
        let offsets = lengths.map { length in
            defer { running += length }
            return running
        }
        let results = PreparedSlots(count: lengths.count)
        let workers = min(lengths.count, processorCount)
        let work: @Sendable (Int) -> Void = { worker in
            for index in stride(from: worker, to: lengths.count, by: max(1, workers)) {
                let chunk = UnsafeRawBufferPointer(rebasing: input.bytes[offsets[index]..<(offsets[index] + lengths[index])])
                let id = input.repository.blobID(of: chunk)
                let encoded = input.repository.hasBlob(id) ? nil : Repository.encode(chunk)
                results.set(index, Prepared(id: id, rawLength: lengths[index], encoded: encoded))
            }
        }
        if workers <= 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: work) }
        return results.values
    }

    /// Read once: on Linux, Foundation's `activeProcessorCount` opens and reads two cgroup
    /// files on every call, which cost four system calls per small file backed up.
    private static let processorCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// What the workers read: the buffer's bytes (the buffer is held so its memory outlives
    /// them, even when the backup fails meanwhile) and the repository (`hasBlob` and
    /// `blobID` are safe from any thread).
    private struct SharedInput: @unchecked Sendable {
        let buffer: FileBuffer
        let bytes: UnsafeRawBufferPointer
        let repository: Repository
    }

    /// A batch being prepared; `prepared()` waits for it.
    final class Batch: @unchecked Sendable {
        private let lock = NSLock()
        private var result: [Prepared]?
        private var waiter: CheckedContinuation<[Prepared], Never>?

        fileprivate func finish(_ value: [Prepared]) {
            let waiting: CheckedContinuation<[Prepared], Never>? = lock.withLock {
                defer { waiter = nil }
                if waiter == nil { result = value }
                return waiter
            }
            waiting?.resume(returning: value)
        }

        func prepared() async -> [Prepared] {
            if let ready = lock.withLock({ result }) { return ready }
            return await withCheckedContinuation { continuation in
                let ready: [Prepared]? = lock.withLock {
                    if result == nil { waiter = continuation }
                    return result
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }
    }

    /// One slot per chunk; each worker writes only its own slots.
    private final class PreparedSlots: @unchecked Sendable {
        private var slots: [Prepared?]
        private let lock = NSLock()

        init(count: Int) { slots = Array(repeating: nil, count: count) }

        func set(_ index: Int, _ value: Prepared) { lock.withLock { slots[index] = value } }

        var values: [Prepared] { lock.withLock { slots.map { $0! } } }
    }
}
