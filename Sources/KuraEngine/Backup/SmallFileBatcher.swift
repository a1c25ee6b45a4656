import KuraRepository

/// Gathers small files' bytes so that many files' chunks are prepared at once on the worker
/// threads while the next files are read, instead of one file at a time on the walking
/// thread (in trees of small files, compressing them one by one was most of a backup's time).
/// A file's content is known once its batch is stored: `drain()` before saving the tree
/// that names it.
final class SmallFileBatcher {
    /// A small file's blob IDs, filled in when its batch is stored.
    final class Pending {
        fileprivate(set) var content: [BlobID] = []
    }

    /// Files up to this size are batched (larger ones fill the backup's read buffers).
    static let largestFile = 1024 * 1024
    private static let filesPerBatch = 256

    /// A batch handed to the workers, with the files whose chunks it holds, in order.
    private struct Flight {
        let batch: BlobPreparation.Batch
        let files: [(pending: Pending, chunks: Int)]
    }

    private let repository: Repository
    private var filling = FileBuffer(capacity: 4 * 1024 * 1024)
    private var spare = FileBuffer(capacity: 4 * 1024 * 1024)
    private var lengths: [Int] = []
    private var files: [(pending: Pending, chunks: Int)] = []
    private var inFlight: Flight?

    init(repository: Repository) { self.repository = repository }

    /// Adds a whole file's bytes, cut into chunks of `lengths`.
    func add(_ bytes: UnsafeRawBufferPointer, lengths: [Int]) async throws -> Pending {
        if bytes.count > filling.freeSpace || files.count == Self.filesPerBatch { try await dispatch() }
        filling.append(bytes)
        self.lengths += lengths
        let pending = Pending()
        files.append((pending, lengths.count))
        return pending
    }

    /// Stores every file added so far: afterwards each one's `Pending` holds its content.
    func drain() async throws {
        try await dispatch()
        try await storeInFlight()
    }

    /// Starts preparing the gathered files, then stores the batch before (whose buffer the
    /// next files are read into).
    private func dispatch() async throws {
        guard !files.isEmpty else { return }
        let started = Flight(batch: BlobPreparation.start(chunksOf: filling, lengths: lengths, repository: repository),
                             files: files)
        lengths = []
        files = []
        try await storeInFlight()
        inFlight = started
        swap(&filling, &spare)
        filling.reset()
    }

    private func storeInFlight() async throws {
        guard let flight = inFlight else { return }
        inFlight = nil
        let prepared = await flight.batch.prepared()
        var next = 0
        for file in flight.files {
            file.pending.content = try await BlobPreparation.store(prepared[next..<(next + file.chunks)], in: repository)
            next += file.chunks
        }
    }
}
