import Foundation
import KuraRepository

extension AccessReview {
    /// What `kura access-review` prints: the keys grouped by role, then one line per flag
    /// and per warning naming the key and what to do, then a summary.
    public func table() -> String {
        var lines = ["access review at \(KuraTime.format(time).prefix(19))Z: stale after \(options.staleDays) days, "
                     + (options.expiryWarningDays > 0 ? "expiry warning \(options.expiryWarningDays) days" : "no expiry warning")]
        for role in Role.allCases {
            let members = keys(in: role)
            lines.append("")
            lines.append("\(role.rawValue) (\(members.count))")
            guard !members.isEmpty else { continue }
            lines.append("  ID        CREATED     BY        EXPIRES     LAST USED   NAME")
            for key in members {
                let marks = findings(for: key).map(\.kind.rawValue)
                let columns = [key.id.short, AccessFinding.day(key.created), key.createdBy?.short ?? "-       ",
                               Self.cell(key.expires), Self.cell(key.lastUsed)]
                lines.append("  " + columns.joined(separator: "  ") + "  \(key.name)"
                             + (key.current ? "  (this key)" : "") + (marks.isEmpty ? "" : "  [\(marks.joined(separator: ", "))]"))
            }
        }
        lines.append("")
        for finding in findings {
            let key = finding.key
            lines.append("\(finding.severity == .flag ? "FLAG" : "WARN") \(finding.kind.rawValue): \(key.role.rawValue) key "
                         + "\(key.id.short) (\(key.name)): \(finding.problem); \(finding.action)")
        }
        if !findings.isEmpty { lines.append("") }
        lines.append("\(keys.count) key(s), \(flags.count) flag(s), \(warnings.count) warning(s)"
                     + (recorded.map { "; recorded as audit entry \($0.sequence)" } ?? ""))
        return lines.joined(separator: "\n") + "\n"
    }

    private static func cell(_ date: Date?) -> String {
        (date.map(AccessFinding.day) ?? "never").padding(toLength: 10, withPad: " ", startingAt: 0)
    }
}
