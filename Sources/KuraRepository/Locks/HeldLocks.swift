import Foundation
import KuraStorage

/// The repository locks this process holds right now, so that a command stopped by a signal
/// can remove them before it exits, whichever layer took them (a backup, `kura run`'s
/// backups, drills and prunes, a check, a copy). The CLI hears of the first lock through
/// `whenFirstTaken` and arranges for `releaseAllBlocking` on SIGINT, SIGTERM and SIGHUP.
public final class HeldLocks: @unchecked Sendable {
    public static let shared = HeldLocks()

    // Everything below is used only under `lock`.
    private let lock = NSLock()
    private var held: [ObjectName: Weak] = [:]
    private var firstTaken: (() -> Void)?
    private var anyLockTaken = false

    private struct Weak { weak var lock: RepositoryLock? }

    /// Runs `action` once, when this process first takes a lock (at once if it holds one).
    public func whenFirstTaken(_ action: @escaping () -> Void) {
        let now: Bool = lock.withLock {
            if anyLockTaken { return true }
            firstTaken = action
            return false
        }
        if now { action() }
    }

    func insert(_ repositoryLock: RepositoryLock) {
        let action: (() -> Void)? = lock.withLock {
            held[repositoryLock.name] = Weak(lock: repositoryLock)
            guard !anyLockTaken else { return nil }
            anyLockTaken = true
            defer { firstTaken = nil }
            return firstTaken
        }
        action?()
    }

    func remove(_ name: ObjectName) { lock.withLock { _ = held.removeValue(forKey: name) } }

    /// Removes every lock still held, waiting at most `seconds` in all (for a thread outside
    /// Swift concurrency that exits next): how many were removed and how many could not be.
    public func releaseAllBlocking(seconds: Double) -> (removed: Int, failed: Int) {
        let locks = lock.withLock { held.values.compactMap { $0.lock } }
        let deadline = Date().addingTimeInterval(seconds)
        let removed = locks.filter { $0.releaseBlocking(seconds: max(0.1, deadline.timeIntervalSinceNow)) }.count
        return (removed, locks.count - removed)
    }
}
