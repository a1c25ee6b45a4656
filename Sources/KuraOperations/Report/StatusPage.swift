import Foundation
import KuraRepository

/// `kura status --html`: the status report as one self-contained page, with, per subject,
/// a timeline of its generations against the RPO and the history of its drill times
/// against the RTO.
public enum StatusPage {
    public static func render(_ report: StatusReport) -> String {
        var body = "<h1>Kura status</h1>\n"
        body += "<p class=\"muted\">At \(HTML.escape(StatusReport.shortTime(report.time))) UTC"
        body += report.policyFile.map { ", policy <code>\(HTML.escape($0))</code>" } ?? ", no policy file"
        body += ". Overall: " + badge(report.inBreach ? .breached : report.subjects.map(\.state).max() ?? .noTarget) + "</p>\n"
        body += summaryTable(report)
        body += repositoryList(report)
        for subject in report.subjects { body += section(subject, now: report.time) }
        if report.subjects.isEmpty { body += "<p>No subjects: the policy names none and the repositories hold no generation.</p>\n" }
        return HTML.page(title: "Kura status", body: body)
    }

    static func badge(_ state: TargetState) -> String {
        "<span class=\"state state-\(state.rawValue)\">\(state.rawValue)</span>"
    }

    private static func summaryTable(_ report: StatusReport) -> String {
        var html = "<table class=\"summary\">\n<tr><th>Subject</th><th>Priority</th><th>State</th><th>RPO</th><th>Newest</th><th>RTO</th><th>Last drill</th></tr>\n"
        for subject in report.subjects {
            let newest = subject.copies.compactMap(\.newest).max { $0.time < $1.time }
            html += "<tr><td><a href=\"#subject-\(anchor(subject.name))\">\(HTML.escape(subject.name))</a></td>"
            html += "<td class=\"number\">\(subject.priority.map(String.init) ?? "–")</td><td>\(badge(subject.state))</td>"
            html += "<td>\(subject.rpo.map(Durations.format) ?? "–")</td>"
            html += "<td>\(newest.map { "\(Durations.format(max(0, $0.age))) ago" } ?? "none")</td>"
            html += "<td>\(subject.rto.map(Durations.format) ?? "–")</td>"
            html += "<td>\(subject.lastDrill.map { "\($0.result.rawValue), full restore \(Durations.formatMeasured($0.estimatedFullSeconds))" } ?? "none")"
            html += subject.drillOverdue ? " (overdue)" : ""
            html += "</td></tr>\n"
        }
        return html + "</table>\n"
    }

    private static func repositoryList(_ report: StatusReport) -> String {
        var html = "<ul class=\"repositories\">\n"
        for repository in report.repositories {
            html += "<li><strong>\(HTML.escape(repository.name))</strong> <code>\(HTML.escape(repository.location))</code>: "
            if let reason = repository.unreadable {
                html += "<span class=\"state state-breached\">cannot be read</span> \(HTML.escape(reason))"
            } else {
                html += "\(repository.generationCount) generations, \(repository.drillCount) drills"
                if !repository.damagedRecords.isEmpty { html += ", \(repository.damagedRecords.count) damaged records (run kura check)" }
            }
            html += "</li>\n"
        }
        return html + "</ul>\n"
    }

    static let legend = "<p class=\"legend muted\"><span style=\"color:#1f6feb\">●</span> a generation · "
        + "<span style=\"color:#8fd19e\">■</span> the RPO window before now · "
        + "<span style=\"color:#f4a6a6\">■</span> the newest generation was older than the RPO</p>\n"

    static func anchor(_ name: String) -> String {
        String(name.unicodeScalars.map { scalar -> Character in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || scalar == "-" || scalar == "_") ? Character(scalar) : "_"
        })
    }

    private static func section(_ subject: SubjectStatus, now: Date) -> String {
        var html = "<section class=\"subject\" id=\"subject-\(anchor(subject.name))\" data-subject=\"\(HTML.escape(subject.name))\" data-state=\"\(subject.state.rawValue)\">\n"
        html += "<h2>\(HTML.escape(subject.name)) \(badge(subject.state))</h2>\n"
        var targets: [String] = []
        if let priority = subject.priority { targets.append("priority \(priority)") }
        targets.append("RPO " + (subject.rpo.map(Durations.format) ?? "none"))
        targets.append("RTO " + (subject.rto.map(Durations.format) ?? "none"))
        if let drill = subject.drillPolicy { targets.append("drill every \(Durations.format(drill.every))") }
        if !subject.inPolicy { targets.append("not in the policy") }
        let counts = subject.copies.map { "\($0.generationCount) generation\($0.generationCount == 1 ? "" : "s") in \(HTML.escape($0.repository))" }
        targets.append(counts.isEmpty ? "no generation" : counts.joined(separator: ", "))
        html += "<p class=\"muted\">\(targets.joined(separator: " · "))</p>\n"
        if !subject.breaches.isEmpty || !subject.warnings.isEmpty {
            html += "<ul class=\"problems\">\n"
            for breach in subject.breaches { html += "<li class=\"breach\">\(HTML.escape(breach))</li>\n" }
            for warning in subject.warnings { html += "<li class=\"warning\">\(HTML.escape(warning))</li>\n" }
            html += "</ul>\n"
        }
        html += "<h3>Generations against the RPO</h3>\n" + GenerationTimeline.svg(subject, now: now) + legend
        html += "<h3>Drill restore times against the RTO</h3>\n" + DrillChart.svg(subject)
        return html + "</section>\n"
    }
}
