import Foundation
import KuraRepository

/// The last drills of a subject as bars of their extrapolated full-restore time, oldest on
/// the left, with the RTO as a dashed line: green within it, red over it or failed.
enum DrillChart {
    static let shown = 30
    /// The lowest bar, in pixels of the 180-pixel chart.
    static let minimumBar = 6.0

    static func svg(_ subject: SubjectStatus) -> String {
        let drills = Array(subject.copies.flatMap(\.drills).sorted { $0.time < $1.time }.suffix(shown))
        guard !drills.isEmpty else {
            return "<p class=\"no-drills muted\">No drill recorded"
                + (subject.drillPolicy != nil ? ": one is overdue (run <code>kura drill \(HTML.escape(subject.name))</code>)." : ".")
                + "</p>\n"
        }
        let width = 800.0, height = 180.0, left = 120.0, bottom = 150.0, top = 12.0
        let rto = subject.rto ?? drills.compactMap(\.rto).last
        let scale = Scale(times: drills.map(\.estimatedFullSeconds), rto: rto)
        func y(_ seconds: Double) -> Double { bottom - scale.fraction(seconds) * (bottom - top) }
        let slot = (width - left - 10) / Double(max(drills.count, 8))
        var svg = "<svg class=\"drill-chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(width)) \(f(height))\" "
            + "width=\"\(f(width))\" height=\"\(f(height))\" role=\"img\" aria-label=\"drills of \(HTML.escape(subject.name))\">\n"
        svg += "<line x1=\"\(f(left))\" y1=\"\(f(bottom))\" x2=\"\(f(width - 10))\" y2=\"\(f(bottom))\" stroke=\"#8c959f\"/>\n"
        svg += "<text x=\"\(f(left - 6))\" y=\"\(f(top + 8))\" text-anchor=\"end\">\(label(scale.highest))</text>\n"
        svg += "<text x=\"\(f(left - 6))\" y=\"\(f(bottom))\" text-anchor=\"end\">\(scale.isLogarithmic ? label(scale.lowest) : "0")</text>\n"
        if scale.isLogarithmic {
            svg += "<text class=\"log-scale\" x=\"\(f(left - 6))\" y=\"\(f((top + bottom) / 2))\" text-anchor=\"end\">log scale</text>\n"
        }
        for (position, drill) in drills.enumerated() {
            let x = left + Double(position) * slot + slot * 0.15
            // A restore of seconds against an RTO of hours still shows as a bar, not a hairline.
            let barTop = min(y(drill.estimatedFullSeconds), bottom - minimumBar)
            let color = drill.result == .passed ? "#2da44e" : "#cf222e"
            svg += "<rect class=\"drill-mark\" data-result=\"\(drill.result.rawValue)\" x=\"\(f(x))\" y=\"\(f(barTop))\" "
                + "width=\"\(f(slot * 0.7))\" height=\"\(f(bottom - barTop))\" fill=\"\(color)\">"
                + "<title>\(StatusReport.shortTime(drill.time)) UTC, \(HTML.escape(subject.name))@\(drill.generationNumber) in "
                + "\(HTML.escape(drill.repository)): \(drill.result.rawValue), \(String(format: "%.0f", drill.sample * 100))% restored in "
                + "\(Durations.formatMeasured(drill.seconds)), full restore \(Durations.formatMeasured(drill.estimatedFullSeconds))</title></rect>\n"
        }
        if let rto {
            svg += "<line class=\"rto-line\" x1=\"\(f(left))\" y1=\"\(f(y(rto)))\" x2=\"\(f(width - 10))\" y2=\"\(f(y(rto)))\" "
                + "stroke=\"#a0111f\" stroke-dasharray=\"6 4\" stroke-width=\"1.5\"/>\n"
            svg += "<text x=\"\(f(width - 12))\" y=\"\(f(y(rto) - 4))\" text-anchor=\"end\" style=\"fill:#a0111f\">RTO \(Durations.format(rto))</text>\n"
        }
        if let first = drills.first, let last = drills.last {
            svg += "<text x=\"\(f(left))\" y=\"\(f(bottom + 16))\">\(StatusReport.shortTime(first.time))</text>\n"
            if drills.count > 1 {
                svg += "<text x=\"\(f(width - 10))\" y=\"\(f(bottom + 16))\" text-anchor=\"end\">\(StatusReport.shortTime(last.time))</text>\n"
            }
        }
        return svg + "</svg>\n"
    }

    static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    static func label(_ seconds: Double) -> String {
        seconds < 60 ? String(format: seconds < 10 ? "%.1f s" : "%.0f s", seconds) : Durations.format(seconds)
    }

    /// The vertical axis. Linear from 0 while the bars take a fair part of it; when the RTO is
    /// over 20 times the longest restore (seconds against half an hour), logarithmic, so the
    /// bars stay readable next to the RTO line instead of shrinking to a pixel.
    struct Scale {
        let lowest: Double
        let highest: Double
        let isLogarithmic: Bool

        init(times: [Double], rto: Double?) {
            let longest = max(times.max() ?? 0, 0.1)
            highest = max(longest, rto ?? 0) * 1.15
            isLogarithmic = highest > longest * 1.15 * 20
            lowest = isLogarithmic ? max(min(times.filter { $0 > 0 }.min() ?? longest, longest) / 4, 0.01) : 0
        }

        /// Where `seconds` falls between the bottom (0) and the top (1).
        func fraction(_ seconds: Double) -> Double {
            guard isLogarithmic else { return seconds / highest }
            return max(0, log(max(seconds, lowest) / lowest) / log(highest / lowest))
        }
    }
}
