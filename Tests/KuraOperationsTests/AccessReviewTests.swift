import Foundation
import KuraOperations
import KuraRepository
import Testing

/// The access review's rules, on plain key facts at a fixed time.
@Suite struct AccessReviewTests {
    static let now = KuraTime.parse("2026-06-01T12:00:00Z")!
    static let day: TimeInterval = 86_400

    static func id(_ byte: UInt8) -> KeyID { KeyID(bytes: [UInt8](repeating: byte, count: 32)) }

    static func key(_ byte: UInt8, _ role: Role, createdDaysAgo: Double = 200, lastUsedDaysAgo: Double? = 1,
                    expiresInDays: Double? = 365, trusted: Bool = true, current: Bool = false) -> AccessReview.Key {
        AccessReview.Key(id: id(byte), name: "\(role.rawValue)-\(byte)", role: role,
                         created: now.addingTimeInterval(-createdDaysAgo * day), createdBy: byte == 1 ? nil : id(1),
                         expires: expiresInDays.map { now.addingTimeInterval($0 * day) },
                         lastUsed: lastUsedDaysAgo.map { now.addingTimeInterval(-$0 * day) }, trusted: trusted, current: current)
    }

    static func kinds(_ key: AccessReview.Key, options: AccessReview.Options = AccessReview.Options()) -> [String] {
        AccessReview.evaluate(keys: [key], now: now, options: options).findings.map { "\($0.severity.rawValue):\($0.kind.rawValue)" }
    }

    @Test func aHealthyKeyHasNoFinding() {
        let review = AccessReview.evaluate(keys: [Self.key(2, .backup)], now: Self.now)
        #expect(review.findings.isEmpty && !review.isFlagged)
    }

    @Test func anAdminWithoutExpiryIsFlaggedButOtherRolesAreNot() {
        #expect(Self.kinds(Self.key(1, .admin, expiresInDays: nil)) == ["flag:admin-without-expiry"])
        for role in [Role.backup, .restore, .auditor] {
            #expect(Self.kinds(Self.key(2, role, expiresInDays: nil)) == [], "\(role)")
        }
        let flag = AccessReview.evaluate(keys: [Self.key(1, .admin, expiresInDays: nil)], now: Self.now).flags[0]
        #expect(flag.action.contains("kura key add --role admin --name admin-1 --expires") && flag.action.contains("kura key remove 01010101"))
    }

    @Test(arguments: [(89.9, false), (90.0, true), (400.0, true)])
    func staleFromTheDayTheLastUseIsStaleDaysOld(daysAgo: Double, stale: Bool) {
        #expect(Self.kinds(Self.key(2, .restore, lastUsedDaysAgo: daysAgo)) == (stale ? ["flag:stale"] : []))
    }

    @Test func aKeyBehindTheRepositorysEpochIsFlagged() {
        var key = Self.key(2, .backup)
        key.epoch = 1
        key.repositoryEpoch = 2
        #expect(Self.kinds(key) == ["flag:behind-epoch"])
        key.epoch = 2
        #expect(Self.kinds(key) == [])
    }

    @Test func staleDaysIsAnOption() {
        let key = Self.key(2, .restore, lastUsedDaysAgo: 31)
        #expect(Self.kinds(key, options: AccessReview.Options(staleDays: 30)) == ["flag:stale"])
        #expect(Self.kinds(key, options: AccessReview.Options(staleDays: 60)) == [])
    }

    @Test func aNeverUsedKeyWarnsUntilItIsStaleDaysOldThenIsFlagged() {
        #expect(Self.kinds(Self.key(2, .backup, createdDaysAgo: 1, lastUsedDaysAgo: nil)) == ["warning:never-used"])
        #expect(Self.kinds(Self.key(2, .backup, createdDaysAgo: 89, lastUsedDaysAgo: nil)) == ["warning:never-used"])
        #expect(Self.kinds(Self.key(2, .backup, createdDaysAgo: 90, lastUsedDaysAgo: nil)) == ["flag:never-used"])
    }

    @Test func anExpiredKeyIsFlaggedOnceAndNothingElseIsJudged() {
        let expired = Self.key(2, .auditor, createdDaysAgo: 500, lastUsedDaysAgo: nil, expiresInDays: -3)
        #expect(Self.kinds(expired) == ["flag:expired"])
        #expect(Self.kinds(Self.key(2, .auditor, expiresInDays: 0)) == ["flag:expired"])
        let review = AccessReview.evaluate(keys: [expired], now: Self.now)
        #expect(review.flags[0].problem.contains("2026-05-29") && review.flags[0].action.contains("kura key remove 02020202"))
    }

    @Test func anUntrustedSlotIsFlaggedWhateverItClaims() {
        #expect(Self.kinds(Self.key(3, .admin, lastUsedDaysAgo: nil, expiresInDays: nil, trusted: false)) == ["flag:untrusted"])
    }

    @Test func expiringSoonIsAWarningWithinTheWindow() {
        #expect(Self.kinds(Self.key(2, .backup, expiresInDays: 14)) == ["warning:expires-soon"])
        #expect(Self.kinds(Self.key(2, .backup, expiresInDays: 14.5)) == [])
        #expect(Self.kinds(Self.key(2, .backup, expiresInDays: 0.5)) == ["warning:expires-soon"])
        #expect(Self.kinds(Self.key(2, .backup, expiresInDays: 5), options: AccessReview.Options(expiryWarningDays: 0)) == [])
        // Warnings alone do not flag the review.
        #expect(!AccessReview.evaluate(keys: [Self.key(2, .backup, expiresInDays: 3)], now: Self.now).isFlagged)
    }

    @Test func findingsCombineForOneKey() {
        let key = Self.key(1, .admin, lastUsedDaysAgo: 120, expiresInDays: nil)
        #expect(Self.kinds(key) == ["flag:admin-without-expiry", "flag:stale"])
        let soon = Self.key(2, .backup, lastUsedDaysAgo: 100, expiresInDays: 2)
        #expect(Self.kinds(soon) == ["flag:stale", "warning:expires-soon"])
    }

    @Test func theKeyRunningTheReviewCountsAsUsedNow() {
        let review = AccessReview.evaluate(keys: [Self.key(5, .auditor, lastUsedDaysAgo: 300, current: true)], now: Self.now)
        #expect(review.findings.isEmpty && review.keys[0].lastUsed == Self.now)
        let never = AccessReview.evaluate(keys: [Self.key(5, .auditor, lastUsedDaysAgo: nil, current: true)], now: Self.now)
        #expect(never.findings.isEmpty)
    }

    @Test func keysAreGroupedByRoleAndFlagsComeBeforeWarnings() throws {
        let keys = [Self.key(9, .auditor, lastUsedDaysAgo: nil), Self.key(4, .backup, createdDaysAgo: 10, lastUsedDaysAgo: nil),
                    Self.key(1, .admin, expiresInDays: nil, current: true), Self.key(3, .backup, createdDaysAgo: 300, lastUsedDaysAgo: 100)]
        let review = AccessReview.evaluate(keys: keys, now: Self.now)
        #expect(review.keys.map(\.id) == [Self.id(1), Self.id(3), Self.id(4), Self.id(9)])
        #expect(review.findings.map(\.kind.rawValue) == ["admin-without-expiry", "stale", "never-used", "never-used"])
        #expect(review.findings.map(\.severity) == [.flag, .flag, .flag, .warning])
        let details = review.auditDetails
        #expect(details["keys"] == "4" && details["flags"] == "3" && details["warnings"] == "1")
        #expect(details["roles"] == "admin=1,backup=2,restore=0,auditor=1")
        #expect(details["stale"] == "1" && details["never-used"] == "2" && details["expired"] == "0")
        #expect(details["flagged"] == "01010101,03030303,09090909")
        let table = review.table()
        #expect(table.contains("restore (0)") && table.contains("FLAG stale: backup key 03030303 (backup-3)"))
        #expect(table.contains("WARN never-used: backup key 04040404 (backup-4)"))
    }

    @Test func theJSONDocumentHasItsDocumentedShape() throws {
        var review = AccessReview.evaluate(keys: [Self.key(1, .admin, expiresInDays: nil, current: true)], now: Self.now)
        review.recorded = AuditHead(sequence: 7, id: AuditEntryID(bytes: [UInt8](repeating: 0xab, count: 32)))
        let document = try #require(try JSONSerialization.jsonObject(with: review.jsonDocument()) as? [String: Any])
        #expect(Set(document.keys) == ["version", "time", "stale_days", "expiry_warning_days", "flagged", "counts", "keys",
                                       "findings", "audit_entry"])
        #expect(document["version"] as? Int == 1 && document["flagged"] as? Bool == true && document["stale_days"] as? Int == 90)
        let key = try #require((document["keys"] as? [[String: Any]])?.first)
        #expect(Set(key.keys) == ["id", "name", "role", "created", "created_by", "expires", "last_used", "trusted", "current", "findings"])
        #expect(key["expires"] is NSNull && key["findings"] as? [String] == ["admin-without-expiry"])
        let finding = try #require((document["findings"] as? [[String: Any]])?.first)
        #expect(Set(finding.keys) == ["kind", "severity", "key", "name", "role", "problem", "action"])
        #expect((document["audit_entry"] as? [String: Any])?["sequence"] as? Int == 7)
        let counts = try #require(document["counts"] as? [String: Any])
        #expect((counts["kinds"] as? [String: Int])?.count == AccessFinding.Kind.allCases.count)
    }
}
