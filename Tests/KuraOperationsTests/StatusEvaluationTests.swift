import Foundation
import KuraOperations
import KuraRepository
import Testing

@Suite struct StatusEvaluationTests {
    typealias F = StatusFixtures

    @Test func newestGenerationAgainstTheRPO() throws {
        let policy = F.policy([F.subject("db", priority: 1, rpo: "1h", repositories: ["main"]),
                               F.subject("etc", priority: 2, rpo: "1h", repositories: ["main"]),
                               F.subject("home", priority: 3, rpo: "1h", repositories: ["main"]),
                               F.subject("logs", priority: 4, rpo: "1h", repositories: ["main"])])
        let main = F.records("main", [F.generation("db", 1, ago: 600), F.generation("etc", 1, ago: 3300),
                                      F.generation("home", 1, ago: 7200)])
        let report = StatusReport.evaluate(policy: policy, records: [main], now: F.now)
        #expect(report.subjects.map(\.name) == ["db", "etc", "home", "logs"])
        #expect(report.subject(named: "db")?.state == .ok)
        #expect(report.subject(named: "etc")?.state == .due, "55 min old with a 6 min margin")
        #expect(report.subject(named: "home")?.state == .breached)
        #expect(report.subject(named: "logs")?.state == .breached, "no generation at all")
        #expect(report.subject(named: "logs")?.breaches.first?.contains("no generation") == true)
        #expect(report.inBreach)
        let db = try #require(report.subject(named: "db")?.copies.first)
        #expect(db.newest?.age == 600)
        #expect(db.breachAt == F.now.addingTimeInterval(-600 + 3600))
        #expect(db.dueAt == F.now.addingTimeInterval(-600 + 3600 - 360))
        #expect(report.subject(named: "etc")?.needsBackup == true)
        #expect(report.subject(named: "db")?.needsBackup == false)
    }

    @Test func dueAndBreachTimesFollowRunsMargin() throws {
        let policy = F.policy([F.subject("db", priority: 1, rpo: "15m", repositories: ["main"])])
        for (ago, state) in [(299.0, TargetState.ok), (600, .due), (900, .due), (901, .breached)] {
            let report = StatusReport.evaluate(policy: policy, records: [F.records("main", [F.generation("db", 1, ago: ago)])], now: F.now)
            #expect(report.subjects[0].state == state, "\(ago) s old with a 15m RPO and a 5m margin")
            #expect(report.subjects[0].copies[0].dueAt == F.now.addingTimeInterval(-ago + 600))
        }
    }

    @Test func everyCopyIsJudgedAndTheWorstCounts() throws {
        let policy = F.policy([F.subject("db", priority: 1, rpo: "1d", repositories: ["main", "offsite"])])
        let main = F.records("main", [F.generation("db", 1, ago: 3 * 86_400), F.generation("db", 2, ago: 3600)])
        let offsite = F.records("offsite", [F.generation("db", 1, ago: 3 * 86_400)])
        let report = StatusReport.evaluate(policy: policy, records: [main, offsite], now: F.now)
        let db = try #require(report.subject(named: "db"))
        #expect(db.copies.map(\.repository) == ["main", "offsite"])
        #expect(db.copies.map(\.isPrimary) == [true, false])
        #expect(db.copies.map(\.rpoState) == [.ok, .breached])
        #expect(db.copies.map(\.generationCount) == [2, 1])
        #expect(db.generationCount == 3)
        #expect(db.state == .breached)
        #expect(db.breaches.count == 1)
        #expect(db.breaches[0].contains("offsite") && db.breaches[0].contains("3d"))
    }

    @Test func anUnreadableRepositoryIsABreachForItsSubjects() throws {
        let policy = F.policy([F.subject("db", priority: 1, rpo: "1d", repositories: ["main", "offsite"]),
                               F.subject("etc", priority: 2, rpo: nil, repositories: ["offsite"])])
        let main = F.records("main", [F.generation("db", 1, ago: 60)])
        let offsite = RepositoryRecords(name: "offsite", location: "s3://backups/kura", contents: .unreadable("no repository at s3://backups/kura"))
        let report = StatusReport.evaluate(policy: policy, records: [main, offsite], now: F.now)
        #expect(report.subject(named: "db")?.state == .breached)
        #expect(report.subject(named: "etc")?.state == .breached, "even without an RPO")
        #expect(report.subject(named: "db")?.copies[1].unreadable == "no repository at s3://backups/kura")
        #expect(report.repositories.map(\.unreadable) == [nil, "no repository at s3://backups/kura"])
    }

    @Test func drillsAgainstTheRTOAndTheirSchedule() throws {
        let policy = F.policy([F.subject("fast", priority: 1, rpo: "1d", rto: "1h", repositories: ["main"], drillEvery: "7d"),
                               F.subject("slow", priority: 2, rpo: "1d", rto: "1h", repositories: ["main"], drillEvery: "7d"),
                               F.subject("bad", priority: 3, rpo: "1d", rto: "1h", repositories: ["main"]),
                               F.subject("old", priority: 4, rpo: "1d", rto: "1h", repositories: ["main"], drillEvery: "7d"),
                               F.subject("never", priority: 5, rpo: "1d", repositories: ["main"], drillEvery: "7d")])
        let generations = ["fast", "slow", "bad", "old", "never"].map { F.generation($0, 1, ago: 60) }
        let drills = [F.drill("fast", ago: 86_400, estimate: 5000), F.drill("fast", ago: 3600, estimate: 1200),
                      F.drill("slow", ago: 3600, estimate: 4000),
                      F.drill("bad", ago: 3600, estimate: 60, mismatches: ["/srv/bad/x: content differs"]),
                      F.drill("old", ago: 8 * 86_400, estimate: 60)]
        let report = StatusReport.evaluate(policy: policy, records: [F.records("main", generations, drills)], now: F.now)
        let fast = try #require(report.subject(named: "fast"))
        #expect(fast.state == .ok, "only the last drill counts: \(fast.breaches)")
        #expect(fast.lastDrill?.result == .passed)
        #expect(fast.lastDrill?.estimatedFullSeconds == 1200)
        #expect(fast.copies[0].drills.count == 2)
        #expect(!fast.drillOverdue)
        #expect(report.subject(named: "slow")?.lastDrill?.result == .overRTO)
        #expect(report.subject(named: "slow")?.state == .breached)
        #expect(report.subject(named: "bad")?.lastDrill?.result == .failed)
        #expect(report.subject(named: "bad")?.state == .breached)
        #expect(report.subject(named: "old")?.drillOverdue == true)
        #expect(report.subject(named: "old")?.state == .ok, "an overdue drill warns but is no breach")
        #expect(report.subject(named: "old")?.warnings.count == 1)
        #expect(report.subject(named: "never")?.drillOverdue == true)
        #expect(report.subject(named: "never")?.lastDrill == nil)
    }

    @Test func absurdRecordedNumbersDoNotTrap() {
        let drill = F.drill("db", ago: 60, estimate: 1e300, rto: 3600)
        let generation = F.generation("db", 1, ago: -1e15)
        let report = StatusReport.evaluate(policy: nil, records: [F.records("main", [generation], [drill])], now: F.now)
        #expect(report.subjects[0].lastDrill?.result == .overRTO)
        #expect(report.table().contains("over RTO"))
        #expect(StatusPage.render(report).contains("over-rto"))
        #expect(PrometheusMetrics(report).text.contains("kura_subject_last_drill_estimated_restore_seconds"))
    }

    @Test func theRecordedRTOCountsWhenThePolicyHasNone() {
        let report = StatusReport.evaluate(policy: nil, records: [F.records("main", [F.generation("db", 1, ago: 60)],
                                                                             [F.drill("db", ago: 60, estimate: 7200, rto: 3600)])],
                                           now: F.now)
        #expect(report.subjects[0].lastDrill?.result == .overRTO)
        #expect(report.inBreach)
    }

    @Test func subjectsOutsideThePolicyAreListedWithoutTargets() throws {
        let policy = F.policy([F.subject("db", priority: 1, rpo: "1d", repositories: ["main"])])
        let main = F.records("main", [F.generation("db", 1, ago: 60), F.generation("zeta", 1, ago: 90 * 86_400),
                                      F.generation("alpha", 1, ago: 60), F.generation("alpha", 2, ago: 30)])
        let report = StatusReport.evaluate(policy: policy, records: [main], now: F.now)
        #expect(report.subjects.map(\.name) == ["db", "alpha", "zeta"])
        let zeta = try #require(report.subject(named: "zeta"))
        #expect(!zeta.inPolicy)
        #expect(zeta.state == .noTarget)
        #expect(zeta.rpo == nil && zeta.priority == nil)
        #expect(report.subject(named: "alpha")?.generationCount == 2)
        #expect(!report.inBreach)
    }

    @Test func onlyTheRepositoriesReadAreJudged() {
        let policy = F.policy([F.subject("db", priority: 1, rpo: "1h", repositories: ["main", "offsite"]),
                               F.subject("etc", priority: 2, rpo: "1h", repositories: ["main"])])
        let report = StatusReport.evaluate(policy: policy, records: [F.records("offsite", [F.generation("db", 1, ago: 60)])], now: F.now)
        #expect(report.subjects.map(\.name) == ["db"])
        #expect(report.subjects[0].copies.map(\.repository) == ["offsite"])
        #expect(report.subjects[0].state == .ok)
    }

    @Test func withoutAPolicyEverySubjectOfTheRepositoryIsListed() {
        let main = F.records("/srv/kura/main", [F.generation("b", 1, ago: 60), F.generation("a", 1, ago: 60),
                                                F.generation("a", 2, ago: 30)])
        let report = StatusReport.evaluate(policy: nil, records: [main], now: F.now)
        #expect(report.subjects.map(\.name) == ["a", "b"])
        #expect(report.subjects.allSatisfy { $0.state == .noTarget && $0.copies.count == 1 && $0.copies[0].isPrimary })
        #expect(report.subjects[0].copies[0].newest?.number == 2)
        #expect(report.policyFile == nil)
        #expect(report.repositories[0].generationCount == 3)
        #expect(report.repositories[0].subjectCount == 2)
    }

    @Test func jsonDocumentHasTheDocumentedShape() throws {
        let policy = F.policy([F.subject("db", priority: 1, rpo: "1h", rto: "4h", repositories: ["main", "offsite"], drillEvery: "7d")])
        let report = StatusReport.evaluate(policy: policy, records: [
            F.records("main", [F.generation("db", 4, ago: 600)], [F.drill("db", generation: 4, ago: 60, estimate: 600)]),
            RepositoryRecords(name: "offsite", location: "s3://backups/kura", contents: .unreadable("connection refused")),
        ], now: F.now)
        let json = try #require(try JSONSerialization.jsonObject(with: report.jsonDocument()) as? [String: Any])
        #expect(json["version"] as? Int == 1)
        #expect(json["in_breach"] as? Bool == true)
        #expect(json["policy"] as? String == "/etc/kura/kura.toml")
        let subject = try #require((json["subjects"] as? [[String: Any]])?.first)
        #expect(subject["name"] as? String == "db")
        #expect(subject["state"] as? String == "breached")
        #expect(subject["rpo_seconds"] as? Double == 3600)
        let copies = try #require(subject["repositories"] as? [[String: Any]])
        #expect(copies.count == 2)
        #expect(copies[0]["rpo_state"] as? String == "ok")
        #expect((copies[0]["newest"] as? [String: Any])?["number"] as? Int == 4)
        #expect((copies[0]["newest"] as? [String: Any])?["time"] as? String == "2027-01-15T07:50:00.000000000Z")
        #expect(copies[1]["readable"] as? Bool == false)
        #expect(copies[1]["newest"] is NSNull)
        #expect((subject["last_drill"] as? [String: Any])?["result"] as? String == "passed")
    }

    @Test func tableNamesEveryCopyAndEachBreach() {
        let policy = F.policy([F.subject("db", priority: 1, rpo: "1h", repositories: ["main", "offsite"])])
        let report = StatusReport.evaluate(policy: policy, records: [
            F.records("main", [F.generation("db", 4, ago: 600)]),
            F.records("offsite", [F.generation("db", 2, ago: 7200)]),
        ], now: F.now)
        let table = report.table()
        #expect(table.contains("db@4"))
        #expect(table.contains("offsite"))
        #expect(table.contains("BREACH db: RPO breached in offsite"))
        #expect(table.hasSuffix("1 subject(s), 1 in breach\n"))
    }
}
