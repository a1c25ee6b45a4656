import Foundation
import KuraRepository

/// One row per repository: each generation as a mark on a time axis ending now, the RPO
/// window before now shaded, and the stretches where the newest generation was older than
/// the RPO in red.
enum GenerationTimeline {
    static let width = 800.0
    static let labelWidth = 120.0
    static let rowHeight = 30.0

    /// The time span shown: ten RPOs (or everything since the oldest generation without an
    /// RPO, at least a day), widened to include the newest generation of every copy.
    static func span(_ subject: SubjectStatus, now: Date) -> TimeInterval {
        let newestAge = subject.copies.compactMap(\.newest?.age).max() ?? 0
        if let rpo = subject.rpo { return max(rpo * 10, newestAge * 1.1) }
        let oldest = subject.copies.compactMap(\.generationMarks.first?.time).min()
        let since = oldest.map { now.timeIntervalSince($0) * 1.05 } ?? 0
        return min(max(86_400, since), 400 * 86_400)
    }

    static func svg(_ subject: SubjectStatus, now: Date) -> String {
        let span = span(subject, now: now)
        let start = now.addingTimeInterval(-span)
        let plot = width - labelWidth - 10
        let height = rowHeight * Double(max(1, subject.copies.count)) + 24
        func x(_ date: Date) -> Double {
            labelWidth + max(0, min(1, date.timeIntervalSince(start) / span)) * plot
        }
        var svg = "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(width)) \(f(height))\" "
            + "width=\"\(f(width))\" height=\"\(f(height))\" role=\"img\" aria-label=\"generations of \(HTML.escape(subject.name))\">\n"
        for (row, copy) in subject.copies.enumerated() {
            let top = Double(row) * rowHeight
            let middle = top + rowHeight / 2
            svg += "<text x=\"4\" y=\"\(f(middle + 4))\">\(HTML.escape(copy.repository))\(copy.isPrimary ? " (primary)" : "")</text>\n"
            svg += "<rect x=\"\(f(labelWidth))\" y=\"\(f(top + 4))\" width=\"\(f(plot))\" height=\"\(f(rowHeight - 8))\" fill=\"#f3f5f7\"/>\n"
            if let rpo = subject.rpo {
                let windowStart = x(now.addingTimeInterval(-rpo))
                svg += "<rect class=\"rpo-window\" x=\"\(f(windowStart))\" y=\"\(f(top + 4))\" width=\"\(f(x(now) - windowStart))\" "
                    + "height=\"\(f(rowHeight - 8))\" fill=\"#d8f3dc\"><title>RPO window: the last \(Durations.format(rpo))</title></rect>\n"
                for band in breachBands(copy.generationMarks.map(\.time), rpo: rpo, start: start, now: now, readable: copy.unreadable == nil) {
                    svg += "<rect class=\"breach-band\" x=\"\(f(x(band.lowerBound)))\" y=\"\(f(top + 4))\" "
                        + "width=\"\(f(max(1, x(band.upperBound) - x(band.lowerBound))))\" height=\"\(f(rowHeight - 8))\" "
                        + "fill=\"#f4a6a6\" fill-opacity=\"0.8\"><title>newest generation older than the RPO</title></rect>\n"
                }
            }
            if let reason = copy.unreadable {
                svg += "<text class=\"unreadable\" x=\"\(f(labelWidth + 6))\" y=\"\(f(middle + 4))\" style=\"fill:#a0111f\">"
                    + "cannot be read: \(HTML.escape(String(reason.prefix(90))))</text>\n"
            }
            for mark in copy.generationMarks where mark.time >= start {
                svg += "<circle class=\"generation-mark\" data-generation=\"\(HTML.escape(subject.name))@\(mark.number)\" "
                    + "cx=\"\(f(x(mark.time)))\" cy=\"\(f(middle))\" r=\"4.5\" fill=\"#1f6feb\" stroke=\"#fff\" stroke-width=\"1\">"
                    + "<title>\(HTML.escape(subject.name))@\(mark.number) at \(StatusReport.shortTime(mark.time)) UTC</title></circle>\n"
            }
        }
        let axis = rowHeight * Double(max(1, subject.copies.count))
        svg += "<line class=\"now-line\" x1=\"\(f(x(now)))\" y1=\"0\" x2=\"\(f(x(now)))\" y2=\"\(f(axis))\" stroke=\"#1d232a\" stroke-width=\"1.5\"/>\n"
        svg += "<text x=\"\(f(labelWidth))\" y=\"\(f(axis + 16))\">\(StatusReport.shortTime(start))</text>\n"
        svg += "<text x=\"\(f(width - 10))\" y=\"\(f(axis + 16))\" text-anchor=\"end\">now \(StatusReport.shortTime(now))</text>\n"
        return svg + "</svg>\n"
    }

    /// The stretches within [start, now] in which the newest generation was older than the RPO.
    static func breachBands(_ times: [Date], rpo: TimeInterval, start: Date, now: Date, readable: Bool) -> [ClosedRange<Date>] {
        guard readable else { return [] }
        guard !times.isEmpty else { return [start...now] }
        var bands: [ClosedRange<Date>] = []
        for (earlier, later) in zip(times, times.dropFirst() + [now]) where later.timeIntervalSince(earlier) > rpo {
            let from = max(start, earlier.addingTimeInterval(rpo))
            if from < later { bands.append(from...later) }
        }
        return bands
    }

    static func f(_ value: Double) -> String { String(format: "%.1f", value) }
}
