import Foundation
import KuraOperations
import Testing

@Suite struct StatusPageTests {
    typealias F = StatusFixtures

    @Test func oneSectionPerSubjectWithMarksAndBands() {
        let policy = F.policy([F.subject("db", priority: 1, rpo: "1h", rto: "4h", repositories: ["main"]),
                               F.subject("<web>", priority: 2, rpo: "1h", repositories: ["main"])])
        let report = StatusReport.evaluate(policy: policy, records: [
            F.records("main", [F.generation("db", 1, ago: 4 * 3600), F.generation("db", 2, ago: 600), F.generation("<web>", 1, ago: 2 * 3600)],
                      [F.drill("db", ago: 60, estimate: 600), F.drill("db", ago: 30, estimate: 20_000)]),
        ], now: F.now)
        let html = StatusPage.render(report)
        #expect(html.components(separatedBy: "<section class=\"subject\"").count - 1 == 2)
        #expect(html.components(separatedBy: "class=\"generation-mark\"").count - 1 == 3)
        #expect(html.components(separatedBy: "class=\"drill-mark\"").count - 1 == 2)
        #expect(html.contains("data-result=\"over-rto\""))
        #expect(html.components(separatedBy: "class=\"breach-band\"").count - 1 == 2, "db: from 1h after its first generation to its second; web: its last hour")
        #expect(html.contains("&lt;web&gt;") && !html.contains("<web>"))
        #expect(!html.contains("<script"))
    }

    /// A drill run with its own, stricter RTO (`kura drill --rto 1s`) that reported it
    /// breached is a breach in status and on the page too, whatever the policy's RTO.
    @Test func aDrillsOwnBreachedRTOIsNotShownAsPassed() {
        let policy = F.policy([F.subject("db", priority: 1, rpo: "1h", rto: "30m", repositories: ["main"])])
        let report = StatusReport.evaluate(policy: policy, records: [
            F.records("main", [F.generation("db", 1, ago: 600)], [F.drill("db", ago: 60, estimate: 5, rto: 1)]),
        ], now: F.now)
        let db = report.subject(named: "db")
        #expect(db?.lastDrill?.result == .overRTO)
        #expect(db?.lastDrill?.rto == 1)
        #expect(db?.state == .breached)
        #expect(StatusPage.render(report).contains("data-result=\"over-rto\""))
    }

    /// Restores of seconds against an RTO of half an hour: the bars must still be seen, and
    /// the header says how many generations each repository holds.
    @Test func shortRestoresStayVisibleNextToALongRTO() throws {
        let policy = F.policy([F.subject("db", priority: 1, rpo: "1h", rto: "30m", repositories: ["main", "offsite"])])
        let report = StatusReport.evaluate(policy: policy, records: [
            F.records("main", [F.generation("db", 1, ago: 900), F.generation("db", 2, ago: 600)],
                      [F.drill("db", ago: 120, estimate: 2), F.drill("db", ago: 60, estimate: 3)]),
            F.records("offsite", [F.generation("db", 1, ago: 900)]),
        ], now: F.now)
        let html = StatusPage.render(report)
        #expect(html.contains("2 generations in main, 1 generation in offsite"))
        let heights = html.components(separatedBy: "class=\"drill-mark\"").dropFirst().compactMap { mark -> Double? in
            guard let range = mark.range(of: "height=\"") else { return nil }
            return Double(mark[range.upperBound...].prefix { $0 != "\"" })
        }
        #expect(heights.count == 2)
        #expect(heights.allSatisfy { $0 >= 20 }, "bars \(heights) px high on a 138 px axis")
        #expect(heights[1] > heights[0], "a longer restore is a taller bar")
        #expect(html.contains("log scale"))
    }
}
