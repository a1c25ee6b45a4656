import Dispatch
import Foundation

/// Streams batches through several threads while keeping their order: each worker takes the
/// next batch from the input (one reader at a time, so batches are read in order), transforms
/// it on its own buffers, and writes it once every earlier batch is written. Reading, crypto
/// and writing of different batches overlap, so all cores stay busy; memory is two buffers
/// per worker.
final class OrderedBatchPipeline: @unchecked Sendable {
    /// What a worker does with a batch once transformed.
    enum Outcome {
        /// Write this many bytes of the output buffer.
        case write(Int)
        /// Write this many bytes (the part that verified), then stop with the error.
        case writeThenFail(Int, any Error)
    }

    typealias Reader = (UnsafeMutableRawBufferPointer) throws -> (length: Int, atEnd: Bool)
    typealias Transformer = (_ worker: Int, _ batch: Int, _ input: UnsafeMutableRawBufferPointer, _ length: Int,
                             _ atEnd: Bool, _ output: UnsafeMutableRawBufferPointer) throws -> Outcome
    typealias Writer = (UnsafeRawBufferPointer) throws -> Void

    private let readLock = NSLock()
    private let order = NSCondition()
    private var nextBatch = 0
    private var nextToWrite = 0
    private var inputEnded = false
    private var failure: (any Error)?

    private let read: Reader
    private let transform: Transformer
    private let write: Writer

    init(read: @escaping Reader, transform: @escaping Transformer, write: @escaping Writer) {
        self.read = read
        self.transform = transform
        self.write = write
    }

    /// Runs `workers` threads until the input ends or something fails; rethrows the first failure.
    func run(workers: Int, inputSize: Int, outputSize: Int) throws {
        let buffers = (0..<workers).map { _ in (ChunkBuffer(count: inputSize), ChunkBuffer(count: outputSize)) }
        defer { for (input, output) in buffers { input.zeroAndFree(); output.zeroAndFree() } }
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            work(worker, input: buffers[worker].0.bytes, output: buffers[worker].1.bytes)
        }
        if let failure { throw failure }
    }

    private func fail(_ error: any Error) {
        order.lock()
        if failure == nil { failure = error }
        order.broadcast()
        order.unlock()
    }

    private var failed: Bool {
        order.lock()
        defer { order.unlock() }
        return failure != nil
    }

    private func work(_ worker: Int, input: UnsafeMutableRawBufferPointer, output: UnsafeMutableRawBufferPointer) {
        while true {
            readLock.lock()
            if inputEnded || failed {
                readLock.unlock()
                return
            }
            let batch = nextBatch
            let chunk: (length: Int, atEnd: Bool)
            do {
                chunk = try read(input)
            } catch {
                readLock.unlock()
                fail(error)
                return
            }
            nextBatch += 1
            if chunk.atEnd { inputEnded = true }
            readLock.unlock()

            let outcome: Outcome
            do {
                outcome = try transform(worker, batch, input, chunk.length, chunk.atEnd, output)
            } catch {
                outcome = .writeThenFail(0, error)
            }

            order.lock()
            while nextToWrite != batch, failure == nil { order.wait() }
            let stop = failure != nil
            order.unlock()
            if stop { return }

            do {
                switch outcome {
                case .write(let count):
                    try write(UnsafeRawBufferPointer(rebasing: output[..<count]))
                case .writeThenFail(let count, let error):
                    if count > 0 { try write(UnsafeRawBufferPointer(rebasing: output[..<count])) }
                    throw error
                }
            } catch {
                fail(error)
                return
            }
            order.lock()
            nextToWrite += 1
            order.broadcast()
            order.unlock()
        }
    }
}
