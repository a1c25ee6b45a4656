import Foundation
import KuraCrypto
import KuraStorage

/// A lock this process holds on a repository. Shared locks (backup, restore, check) coexist;
/// an exclusive lock (for operations that delete) excludes every other lock. The lock is
/// renewed in the background until `release()`; a holder killed without releasing leaves a
/// lock that the next command finds stale and removes.
public final class RepositoryLock: @unchecked Sendable {
    public let name: ObjectName
    private let repository: Repository
    private var record: LockRecord
    private var refresher: Task<Void, Never>?

    init(repository: Repository, name: ObjectName, record: LockRecord) {
        self.repository = repository
        self.name = name
        self.record = record
        defer { HeldLocks.shared.insert(self) }
        refresher = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: UInt64(LockRecord.refreshInterval * 1_000_000_000))
                guard !Task.isCancelled, let self else { return }
                self.record.refreshed = KuraClock.now
                try? await repository.writeLock(self.record, as: self.name)
            }
        }
    }

    /// Stops renewing and removes the lock object (or, when that fails, remembers that it
    /// is released: `ReleasedLocks`).
    public func release() async {
        refresher?.cancel()
        refresher = nil
        HeldLocks.shared.remove(name)
        do {
            try await repository.backend.delete(name)
        } catch {
            ReleasedLocks.shared.insert(name)
        }
    }

    /// `release()` from a thread outside Swift concurrency (an interrupt's cleanup, which then
    /// exits): blocks for at most `seconds`; whether the lock object was removed.
    public func releaseBlocking(seconds: Double) -> Bool {
        let done = DispatchSemaphore(value: 0)
        let removed = RemovalResult()
        let backend = repository.backend
        let name = self.name
        refresher?.cancel()
        HeldLocks.shared.remove(name)
        Task.detached {
            if (try? await backend.delete(name)) != nil { removed.set() }
            done.signal()
        }
        return done.wait(timeout: .now() + seconds) == .success && removed.value
    }

    /// Set by the removal task and read by the waiting thread, both under `lock`.
    private final class RemovalResult: @unchecked Sendable {
        private let lock = NSLock()
        private var removed = false
        func set() { lock.withLock { removed = true } }
        var value: Bool { lock.withLock { removed } }
    }

    deinit {
        refresher?.cancel()
        HeldLocks.shared.remove(name)
    }
}

extension Repository {
    /// How long a command waits for a conflicting lock to go before it gives up: seconds
    /// from KURA_LOCK_WAIT, else 10 minutes (a prune's sweep is short; a cron backup that
    /// starts during one should wait for it, not fail).
    public static var defaultLockWait: TimeInterval {
        ProcessInfo.processInfo.environment["KURA_LOCK_WAIT"].flatMap(TimeInterval.init).map { min(max($0, 0), 86_400) } ?? 600
    }

    /// Runs `body` under a lock for `command`, releasing it however `body` ends. A
    /// conflicting live lock is waited for up to `wait` seconds (`onWait` is told once);
    /// `onLocked` gets the lock once taken (to remove it if the process is interrupted).
    public func withLock<T>(exclusive: Bool = false, command: String, wait: TimeInterval = Repository.defaultLockWait,
                            onWait: (String) -> Void = { _ in }, onLocked: (RepositoryLock) -> Void = { _ in },
                            _ body: () async throws -> T) async throws -> T {
        let lock = try await lockWaiting(exclusive: exclusive, command: command, wait: wait, onWait: onWait)
        onLocked(lock)
        do {
            // The index read when the repository was opened may name packs that a prune has
            // deleted since; what a locked command deduplicates against must be current.
            try await reloadIndex()
            let result = try await body()
            await lock.release()
            return result
        } catch {
            await lock.release()
            throw error
        }
    }

    /// `lock`, retried every half second while a live conflicting lock is held, for up to
    /// `wait` seconds; then the `locked` error naming the holder.
    public func lockWaiting(exclusive: Bool, command: String, wait: TimeInterval,
                            onWait: (String) -> Void = { _ in }) async throws -> RepositoryLock {
        let deadline = Date().addingTimeInterval(wait)
        var told = false
        while true {
            let holder: String
            do {
                return try await lock(exclusive: exclusive, command: command)
            } catch RepositoryError.locked(let held, let heldExclusively) {
                guard Date() < deadline else { throw RepositoryError.locked(holder: held, exclusive: heldExclusively) }
                holder = held
            } catch RepositoryError.lockUnreadable(let name) {
                // It goes when its writer removes it, or once it is old enough to be stale.
                guard Date() < deadline else { throw RepositoryError.lockUnreadable(name) }
                holder = "the unreadable lock \(name)"
            }
            if !told {
                onWait("waiting for \(holder) to finish (up to \(Int(wait)) s; KURA_LOCK_WAIT changes it)")
                told = true
            }
            try await Task.sleep(nanoseconds: 500_000_000)
        }
    }

    /// Takes a shared or exclusive lock for `command`, first removing stale locks. Throws
    /// `locked` naming the holder when a live lock conflicts, `lockUnreadable` for a lock
    /// that cannot be read and is not yet old enough to be stale; never removes a live lock.
    public func lock(exclusive: Bool, command: String, now: Date = KuraClock.now) async throws -> RepositoryLock {
        let here = ProcessIdentity.current
        let record = LockRecord(host: here.host, pid: here.pid, processStart: here.processStart, user: here.user,
                                command: command, exclusive: exclusive, created: now, refreshed: now)
        let name = try ObjectName(.locks, Hex.encode(SecureRandom.bytes(16)))
        try await writeLock(record, as: name)
        do {
            for other in try await locks() where other.name != name && !other.isStale {
                if ReleasedLocks.shared.contains(other.name) {
                    if (try? await backend.delete(other.name)) != nil { ReleasedLocks.shared.remove(other.name) }
                    continue
                }
                guard let held = other.record else { throw RepositoryError.lockUnreadable(other.name.name) }
                if exclusive || held.exclusive {
                    throw RepositoryError.locked(holder: held.holderDescription, exclusive: held.exclusive)
                }
            }
        } catch {
            try? await backend.delete(name)
            throw error
        }
        return RepositoryLock(repository: self, name: name, record: record)
    }

    /// Every lock object, with its record (nil when it cannot be read) and whether its holder
    /// is gone. Stale locks are removed on the way. A lock listed but gone by the time it is
    /// read was released meanwhile: it is no lock, and left out.
    public func locks() async throws -> [LockEntry] {
        var result: [LockEntry] = []
        for info in try await backend.list(.locks) {
            let record: LockRecord?
            do {
                record = try await readLock(info.name)
            } catch StorageError.notFound {
                continue
            } catch let error as StorageError {
                throw error
            } catch {
                record = nil
            }
            let entry = LockEntry(name: info.name, record: record, written: info.modified)
            if entry.isStale { try await backend.delete(info.name) }
            result.append(entry)
        }
        return result
    }

    func writeLock(_ record: LockRecord, as name: ObjectName) async throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        try await backend.put(name, bytes: try sealMetadata(Array(try encoder.encode(record)), purpose: "lock"))
    }

    func readLock(_ name: ObjectName) async throws -> LockRecord {
        let plaintext = try openMetadata(try await backend.get(name), purpose: "lock", object: name.description)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(LockRecord.self, from: Data(plaintext))
    }
}
