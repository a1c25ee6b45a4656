import Foundation

/// How long before its RPO a subject becomes due, so that `kura run` (every few minutes)
/// has time to finish a backup before the RPO passes: a tenth of the RPO, at least five
/// minutes, at least twice the last backup's duration, but never more than half the RPO.
/// docs/STATUS.md explains the choice.
public enum DueMargin {
    public static let minimum: TimeInterval = 300

    public static func seconds(rpo: TimeInterval, lastBackupSeconds: Double) -> TimeInterval {
        let wanted = max(minimum, rpo / 10, 2 * max(0, lastBackupSeconds))
        return min(rpo / 2, wanted)
    }
}
