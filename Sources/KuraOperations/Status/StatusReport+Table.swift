import Foundation
import KuraRepository

extension StatusReport {
    /// The readable table `kura status` prints: one row per subject and repository, then the
    /// repositories, then each breach and warning in words.
    public func table() -> String {
        var rows: [[String]] = [["SUBJECT", "PRI", "REPOSITORY", "GENS", "NEWEST", "AGE", "RPO", "STATE", "LAST DRILL", "RTO"]]
        for subject in subjects {
            if subject.copies.isEmpty {
                rows.append([subject.name, subject.priority.map(String.init) ?? "-", "-", "0", "-", "-",
                             subject.rpo.map(Durations.format) ?? "-", subject.state.rawValue, "-",
                             subject.rto.map(Durations.format) ?? "-"])
            }
            for (position, copy) in subject.copies.enumerated() {
                let first = position == 0
                rows.append([
                    first ? subject.name : "",
                    first ? subject.priority.map(String.init) ?? "-" : "",
                    copy.repository + (copy.isPrimary && subject.copies.count > 1 ? "*" : ""),
                    copy.unreadable == nil ? String(copy.generationCount) : "?",
                    copy.newest.map { "\(subject.name)@\($0.number) \(Self.shortTime($0.time))" } ?? "-",
                    copy.newest.map { Durations.format(max(0, $0.age)) } ?? "-",
                    first ? subject.rpo.map(Durations.format) ?? "-" : "",
                    copy.unreadable == nil ? copy.rpoState.rawValue : "unreadable",
                    Self.drillCell(copy.lastDrill, overdue: first && subject.drillOverdue, now: time),
                    first ? subject.rto.map(Durations.format) ?? "-" : "",
                ])
            }
        }
        var lines = Self.align(rows)
        if subjects.isEmpty { lines.append("no subjects: no policy subject and no generation in the repositories") }
        lines.append("")
        for repository in repositories {
            if let reason = repository.unreadable {
                lines.append("repository \(repository.name) (\(repository.location)): cannot be read: \(reason)")
            } else {
                lines.append("repository \(repository.name) (\(repository.location)): \(repository.generationCount) "
                             + "generation(s), \(repository.drillCount) drill(s), \(repository.subjectCount) subject(s)"
                             + (repository.damagedRecords.isEmpty ? "" : ", \(repository.damagedRecords.count) damaged record(s): run kura check"))
            }
        }
        for subject in subjects {
            for breach in subject.breaches { lines.append("BREACH \(subject.name): \(breach)") }
            for warning in subject.warnings { lines.append("warning \(subject.name): \(warning)") }
        }
        let breached = subjects.filter { $0.state == .breached }.count
        lines.append(breached == 0 ? "\(subjects.count) subject(s), none in breach"
                                   : "\(subjects.count) subject(s), \(breached) in breach")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func drillCell(_ drill: DrillSummary?, overdue: Bool, now: Date) -> String {
        var cell = "-"
        if let drill {
            let age = Durations.format(max(0, now.timeIntervalSince(drill.time)))
            cell = switch drill.result {
            case .passed: "passed, full \(Durations.formatMeasured(drill.estimatedFullSeconds)), \(age) ago"
            case .failed: "FAILED (\(drill.mismatches) files), \(age) ago"
            case .overRTO: "over RTO, full \(Durations.formatMeasured(drill.estimatedFullSeconds)), \(age) ago"
            }
        }
        return overdue ? (cell == "-" ? "overdue" : cell + ", overdue") : cell
    }

    /// "2026-11-25 06:30" in UTC.
    static func shortTime(_ date: Date) -> String {
        String(KuraTime.format(date).prefix(16)).replacingOccurrences(of: "T", with: " ")
    }

    private static func align(_ rows: [[String]]) -> [String] {
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").trailingSpacesRemoved
        }
    }
}

extension String {
    var trailingSpacesRemoved: String {
        var text = Substring(self)
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
