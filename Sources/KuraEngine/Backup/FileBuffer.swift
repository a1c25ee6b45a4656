import Foundation

/// A read buffer for one file: bytes read into it, consumed from the front. Its memory is
/// allocated once and never moves, so worker threads can read a batch of it while the
/// caller fills another buffer.
final class FileBuffer: @unchecked Sendable {
    /// Not zeroed: only what `fill` reads is ever used, and pages no file reaches (an
    /// unchanged re-backup reads none) cost no memory.
    private let storage: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0

    init(capacity: Int) { storage = .allocate(byteCount: capacity, alignment: 64) }

    deinit { storage.deallocate() }

    var count: Int { end - start }

    var hasSpace: Bool { end < storage.count }

    var freeSpace: Int { storage.count - end }

    func reset() { start = 0; end = 0 }

    /// Starts over holding what `other` has not consumed (the start of a chunk that did not fit).
    func reset(keeping other: FileBuffer) {
        start = 0
        end = other.count
        if end > 0 { storage.baseAddress!.copyMemory(from: other.available.baseAddress!, byteCount: end) }
    }

    /// Copies `bytes` into the free space (the caller checks that they fit).
    func append(_ bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count <= storage.count - end, "FileBuffer.append past its capacity")
        if !bytes.isEmpty { (storage.baseAddress! + end).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count) }
        end += bytes.count
    }

    /// Reads once into the free space; returns the byte count, 0 at the end, -1 on error.
    func fill(from descriptor: Int32) -> Int {
        while true {
            let count = read(descriptor, storage.baseAddress! + end, storage.count - end)
            if count < 0 && errno == EINTR { continue }
            if count > 0 { end += count }
            return count
        }
    }

    /// The bytes read and not yet consumed; valid until the next `reset` or `fill`.
    var available: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: storage[start..<end]) }

    func consume(_ count: Int) { start += count }
}
