import Foundation
import KuraOperations
import Testing

@Suite struct RunbookTests {
    typealias F = StatusFixtures

    static func build(subject: String? = nil) -> RunbookDocument {
        let policy = F.policy([F.subject("web", priority: 2, rpo: "1d", rto: "8h", repositories: ["main"]),
                               F.subject("db", priority: 1, rpo: "1h", rto: "4h", repositories: ["main", "offsite"], drillEvery: "7d")])
        let report = StatusReport.evaluate(policy: policy, records: [
            F.records("main", [F.generation("db", 4, ago: 600), F.generation("web", 2, ago: 600)],
                      [F.drill("db", generation: 4, ago: 60, estimate: 5400)],
                      keys: [RepositoryKey(name: "admin", role: .admin), RepositoryKey(name: "ci", role: .backup),
                             RepositoryKey(name: "oncall", role: .restore)]),
            F.records("offsite", [F.generation("db", 3, ago: 5000)]),
        ], now: F.now)
        return Runbook.build(report: report, access: policy.repositories, policy: policy, subject: subject)
    }

    @Test func subjectsInRestoreOrderWithTheirCopiesAndCommands() throws {
        let text = Self.build().markdown()
        let db = try #require(text.range(of: "## 1. db (priority 1)"))
        let web = try #require(text.range(of: "## 2. web (priority 2)"))
        #expect(db.lowerBound < web.lowerBound)
        #expect(text.contains("kura generations --subject db --repo /srv/kura/main --password-file /etc/kura/main.pw"))
        #expect(text.contains("kura restore db@latest --target /srv/restore/db --verify --repo /srv/kura/main --password-file /etc/kura/main.pw"))
        #expect(text.contains("kura restore db@latest --target /srv/restore/db --verify --repo s3://backups/kura --password-command 'pass show kura/offsite' --s3-endpoint https://s3.example.net --s3-region eu-west-1"))
        #expect(text.contains("If `main` is unavailable: restore from `offsite`"))
        #expect(text.contains("`offsite` is on S3: the storage credentials come from `AWS_ACCESS_KEY_ID`"))
        #expect(text.contains("admin (admin), oncall (restore)"), "keys that can restore, not the backup key")
        #expect(!text.contains("ci (backup)"))
        #expect(text.contains("**1h30m**, extrapolated from the drill"))
        #expect(text.contains("RPO **1h**, RTO **4h**"))
        #expect(text.contains("Paths: `/srv/db`"))
        #expect(text.contains("There is no other copy"), "web has one repository only")
        #expect(text.contains("unknown: no drill has been recorded"), "web has no drill")
    }

    @Test func oneSubjectOnly() {
        let text = Self.build(subject: "web").markdown()
        #expect(text.contains("## 1. web"))
        #expect(!text.contains("db@latest"))
    }

    @Test func htmlCarriesTheSameContent() {
        let document = Self.build()
        let html = document.html()
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<h2 id=\"subject-db\">1. db (priority 1)</h2>"))
        #expect(html.contains("kura restore db@latest --target /srv/restore/db --verify --repo /srv/kura/main"))
        #expect(html.contains("--password-command &#39;pass show kura/offsite&#39;"))
        #expect(!html.contains("http://") && !html.contains("https://fonts"), "nothing from the network")
    }
}
