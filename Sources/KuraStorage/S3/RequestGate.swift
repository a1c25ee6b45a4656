import Foundation

/// At most `limit` requests in flight; the rest wait their turn, first come first served.
final class RequestGate: @unchecked Sendable {
    private let limit: Int
    private let lock = NSLock()
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = limit }

    func run<T>(_ body: () async throws -> T) async throws -> T {
        await enter()
        defer { leave() }
        return try await body()
    }

    private func enter() async {
        if lock.withLock({ admit() }) { return }
        await withCheckedContinuation { continuation in
            // A slot may have come free since the first look.
            let admitted = lock.withLock { () -> Bool in
                if admit() { return true }
                waiting.append(continuation)
                return false
            }
            if admitted { continuation.resume() }
        }
    }

    /// Takes a slot if one is free; call with the lock held.
    private func admit() -> Bool {
        guard running < limit else { return false }
        running += 1
        return true
    }

    /// Hands the slot to the longest waiter, or frees it.
    private func leave() {
        let next = lock.withLock { () -> CheckedContinuation<Void, Never>? in
            if waiting.isEmpty {
                running -= 1
                return nil
            }
            return waiting.removeFirst()
        }
        next?.resume()
    }
}
