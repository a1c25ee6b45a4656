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
}
