import Foundation

/// What a lock object says: who holds it, since when, and whether it excludes everyone else.
/// Stored sealed with the metadata key (host and user names are nobody else's business).
public struct LockRecord: Codable, Equatable, Sendable {
    public var host: String
    public var pid: Int32
    /// The holder's start time in clock ticks since boot (/proc/PID/stat field 22), so a
    /// reused PID is not mistaken for the holder.
    public var processStart: UInt64
    public var user: String
    public var command: String
    public var exclusive: Bool
    public var created: Date
    /// Renewed every `LockRecord.refreshInterval` while the holder runs.
    public var refreshed: Date

    /// How often a holder renews its lock.
    public static let refreshInterval: TimeInterval = 5 * 60
    /// A lock from another host that has not been renewed for this long is stale: its holder
    /// is gone (or cut off from the repository, and then no longer writing to it).
    public static let staleAfter: TimeInterval = 30 * 60

    /// Whether the holder is certainly gone. On this host that is decided by the process
    /// table; a lock from another host is stale only when it has not been renewed for
    /// `staleAfter`. A live holder's lock is never stale.
    public func isStale(now: Date = KuraClock.now, here: ProcessIdentity = .current) -> Bool {
        if host == here.host {
            return !ProcessIdentity.isRunning(pid: pid, startedAt: processStart)
        }
        return now.timeIntervalSince(refreshed) > Self.staleAfter
    }

    /// "backup (pid 4242 on db1, user root, since 2026-11-25 02:41:07 UTC)", for messages.
    public var holderDescription: String {
        "\(command) (pid \(pid) on \(host), user \(user), since \(Self.format(created)))"
    }

    /// "2026-11-25 02:41:07 UTC".
    static func format(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return formatter.string(from: date)
    }
}
