import CZstd
import Foundation

/// zstd contexts kept for reuse. `ZSTD_compress` and `ZSTD_decompress` create and free a
/// context on every call, which costs more than compressing a small file's blob; the pool
/// holds one per thread that has used it (at most `limit` are kept idle).
final class ZstdContextPool: @unchecked Sendable {
    static let compression = ZstdContextPool(create: { ZSTD_createCCtx() }, free: { _ = ZSTD_freeCCtx($0) })
    static let decompression = ZstdContextPool(create: { ZSTD_createDCtx() }, free: { _ = ZSTD_freeDCtx($0) })

    private let lock = NSLock()
    private var idle: [OpaquePointer] = []
    private let create: () -> OpaquePointer?
    private let free: (OpaquePointer) -> Void
    private let limit = 8

    private init(create: @escaping () -> OpaquePointer?, free: @escaping (OpaquePointer) -> Void) {
        self.create = create
        self.free = free
    }

    /// Runs `body` with a context of its own; nil when zstd cannot allocate one.
    func withContext<R>(_ body: (OpaquePointer) -> R) -> R? {
        guard let context = lock.withLock({ idle.popLast() }) ?? create() else { return nil }
        defer {
            let kept = lock.withLock {
                guard idle.count < limit else { return false }
                idle.append(context)
                return true
            }
            if !kept { free(context) }
        }
        return body(context)
    }
}
