import Foundation

/// What the requests of one S3 client have learnt about the server's availability.
///
/// The retry budget bounds an outage, not each request: a request that starts failing while
/// others have been failing for a while has only what is left of their budget, and once one
/// request has given up every later one fails at once with the same error. So a command whose
/// server is gone (a backup with packs in flight, then its lock's release) stops within one
/// budget plus one request deadline, never a budget per request.
final class ServerOutage: @unchecked Sendable {
    private let lock = NSLock()
    private var since: Date?
    private var verdict: StorageError?

    /// The server answered (anything but a retryable failure): it is up.
    func answered() {
        lock.withLock { since = nil }
    }

    /// An attempt failed in a retryable way; returns when the outage began.
    func failed(at time: Date = Date()) -> Date {
        lock.withLock {
            let start = since ?? time
            since = start
            return start
        }
    }

    /// Records that a request gave up with `error`; later requests fail with it at once.
    func giveUp(_ error: StorageError) {
        lock.withLock { verdict = verdict ?? error }
    }

    /// The error a request gave up with, if one did.
    var gaveUp: StorageError? { lock.withLock { verdict } }
}
