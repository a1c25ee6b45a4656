import Foundation
import KuraStorage

/// One object in `locks/` as a reader finds it: its record, or nil when the object cannot be
/// read (garbage, damaged, sealed under a key this process lacks), and whether it is stale.
public struct LockEntry: Sendable {
    public let name: ObjectName
    public let record: LockRecord?
    /// When the storage says the object was last written.
    public let written: Date?
    public let isStale: Bool

    /// A lock whose record cannot be read has no holder to ask; it counts as held (by anyone,
    /// exclusively) until the storage says it has not been written for `LockRecord.staleAfter`,
    /// as long as a holder that stopped renewing its lock would take to become stale.
    init(name: ObjectName, record: LockRecord?, written: Date?, now: Date = KuraClock.now) {
        self.name = name
        self.record = record
        self.written = written
        if let record {
            isStale = record.isStale(now: now)
        } else {
            isStale = written.map { now.timeIntervalSince($0) > LockRecord.staleAfter } ?? false
        }
    }

    /// The holder, or what is known of an unreadable lock, for messages.
    public var holderDescription: String {
        if let record { return record.holderDescription }
        return "unreadable lock " + (written.map { "last written \(LockRecord.format($0))" } ?? "of unknown age")
    }
}
