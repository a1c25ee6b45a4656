import Foundation

/// The cron line and systemd units that call `kura run` at an interval.
public struct ScheduleUnits {
    /// The kura binary and the policy file, both absolute.
    public let executable: String
    public let policyFile: String
    /// Minutes between runs.
    public let everyMinutes: Int

    public enum Failure: Error, CustomStringConvertible {
        case interval(String)

        public var description: String {
            switch self {
            case .interval(let text):
                "--every \(text) cannot be written as a cron or timer interval; use whole minutes that divide an hour (1m to 30m, 60m) or whole hours that divide a day (1h to 12h, 24h)"
            }
        }
    }

    public init(executable: String, policyFile: String, every: TimeInterval) throws(Failure) {
        let minutes = Int(every / 60)
        guard every.truncatingRemainder(dividingBy: 60) == 0, minutes >= 1,
              minutes < 60 ? 60 % minutes == 0 : minutes % 60 == 0 && 1440 % minutes == 0 else {
            throw .interval(Durations.format(every))
        }
        self.executable = executable
        self.policyFile = URL(fileURLWithPath: policyFile).standardizedFileURL.path
        everyMinutes = minutes
    }

    var command: String { "\(Self.quoted(executable)) run --config \(Self.quoted(policyFile))" }

    /// A line for `crontab -e` (the user's crontab, no user field), appending the run's log
    /// lines to `logFile`.
    public func cronLine(logFile: String) -> String {
        let timing = everyMinutes < 60
            ? (everyMinutes == 1 ? "* * * * *" : "*/\(everyMinutes) * * * *")
            : (everyMinutes == 1440 ? "0 0 * * *" : "0 */\(everyMinutes / 60) * * *")
        return "\(timing) \(command) >>\(Self.quoted(logFile)) 2>&1"
    }

    public static let serviceName = "kura-run.service"
    public static let timerName = "kura-run.timer"

    public var service: String {
        """
        [Unit]
        Description=Kura: back up, copy, apply retention and run drills as \(policyFile) says
        Wants=network-online.target
        After=network-online.target

        [Service]
        Type=oneshot
        ExecStart=\(command)
        # Exit 3 means a subject is out of its RPO or RTO: the unit fails, so monitoring sees it.
        Nice=10
        IOSchedulingClass=best-effort
        IOSchedulingPriority=7

        """
    }

    public var timer: String {
        """
        [Unit]
        Description=Run kura run every \(everyMinutes) minute(s)

        [Timer]
        OnBootSec=2min
        OnUnitActiveSec=\(everyMinutes)min
        AccuracySec=30s
        Unit=\(Self.serviceName)

        [Install]
        WantedBy=timers.target

        """
    }

    /// Quotes for both /bin/sh and systemd's ExecStart when the path needs it.
    static func quoted(_ text: String) -> String {
        let plain = text.allSatisfy { $0.isLetter || $0.isNumber || "/._-+:@".contains($0) }
        return plain ? text : "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
