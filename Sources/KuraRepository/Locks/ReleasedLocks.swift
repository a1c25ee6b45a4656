import Foundation
import KuraStorage

/// Locks this process has released but could not delete (the storage refused, or the
/// connection dropped). They are no longer held, so they conflict with nothing this process
/// locks afterwards (else prune's sweep would wait an hour on its own mark lock); the next
/// lock it takes tries to delete them again, and other processes clear them as stale once
/// this one has exited.
final class ReleasedLocks: @unchecked Sendable {
    static let shared = ReleasedLocks()

    private let lock = NSLock()
    private var names: Set<ObjectName> = []

    func insert(_ name: ObjectName) { lock.withLock { _ = names.insert(name) } }

    func contains(_ name: ObjectName) -> Bool { lock.withLock { names.contains(name) } }

    func remove(_ name: ObjectName) { lock.withLock { _ = names.remove(name) } }
}
