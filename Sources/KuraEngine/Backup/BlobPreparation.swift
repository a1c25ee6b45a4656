import Dispatch
import Foundation
import KuraRepository

/// The CPU-heavy part of storing chunks, done for a batch of chunks on every core at once:
/// the keyed ID (HMAC-SHA-256), and for chunks the repository does not have yet, compression
/// and padding. Encryption and packing stay on the caller's thread, in order.
enum BlobPreparation {
    struct Prepared {
        let id: BlobID
        let rawLength: Int
        /// nil when the repository already holds the blob.
        let encoded: [UInt8]?
    }

    static func prepare(bytes: UnsafeRawBufferPointer, lengths: [Int], repository: Repository) -> [Prepared] {
        var running = 0
        let offsets = lengths.map { length in
            defer { running += length }
            return running
        }
        let results = PreparedSlots(count: lengths.count)
        let shared = SharedInput(bytes: bytes, repository: repository)
        let workers = min(lengths.count, processorCount)
        let work: @Sendable (Int) -> Void = { worker in
            for index in stride(from: worker, to: lengths.count, by: max(1, workers)) {
                let chunk = UnsafeRawBufferPointer(rebasing: shared.bytes[offsets[index]..<(offsets[index] + lengths[index])])
                let id = shared.repository.blobID(of: chunk)
                let encoded = shared.repository.hasBlob(id) ? nil : Repository.encode(chunk)
                results.set(index, Prepared(id: id, rawLength: lengths[index], encoded: encoded))
            }
        }
        // A small file is one chunk: prepared here, without a round trip through Dispatch.
        if workers <= 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: work) }
        return results.values
    }

    /// Read once: on Linux, Foundation's `activeProcessorCount` opens and reads two cgroup
    /// files on every call, which cost four system calls per small file backed up.
    private static let processorCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Read-only inputs shared by the workers (the index is not modified while they run).
    private struct SharedInput: @unchecked Sendable {
        let bytes: UnsafeRawBufferPointer
        let repository: Repository
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
