import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// This process as a lock holder: host name, PID and start time.
public struct ProcessIdentity: Sendable {
    public let host: String
    public let pid: Int32
    public let processStart: UInt64
    public let user: String

    public static let current = ProcessIdentity(
        host: ProcessInfo.processInfo.hostName,
        pid: getpid(),
        processStart: startTime(of: getpid()) ?? 0,
        user: ProcessInfo.processInfo.environment["USER"] ?? String(getuid()))

    /// Whether `pid` is running and is the same process that started at `startedAt`
    /// (0 when the start time was unknown: then a running PID counts as the holder).
    public static func isRunning(pid: Int32, startedAt: UInt64) -> Bool {
        guard pid > 0 else { return false }
        if kill(pid, 0) != 0, errno == ESRCH { return false }
        guard startedAt != 0, let start = startTime(of: pid) else { return true }
        return start == startedAt
    }

    /// Field 22 of /proc/PID/stat (starttime, in clock ticks since boot). The command name in
    /// field 2 may hold spaces and parentheses, so fields are counted after its last ')'.
    static func startTime(of pid: Int32) -> UInt64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After ')': field 3 (state) is fields[0], so field 22 is fields[19].
        guard fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }
}
