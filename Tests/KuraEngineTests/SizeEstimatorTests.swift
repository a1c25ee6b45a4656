import Foundation
@testable import KuraEngine
import Testing

struct SizeEstimatorTests {
    @Test func countsWhatTheBackupWillSeeAndHonoursExcludes() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kura-estimate-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/a/b", withIntermediateDirectories: true)
        try Data(count: 1000).write(to: URL(fileURLWithPath: root + "/a/one"))
        try Data(count: 2000).write(to: URL(fileURLWithPath: root + "/a/b/two"))
        try Data(count: 4000).write(to: URL(fileURLWithPath: root + "/a/b/skip.tmp"))
        try FileManager.default.createSymbolicLink(atPath: root + "/a/link", withDestinationPath: "one")

        let estimator = SizeEstimator()
        estimator.start(paths: [root], excludes: try GlobMatcher(patterns: ["*.tmp"]), oneFileSystem: false)
        let deadline = Date().addingTimeInterval(10)
        while estimator.totals == nil, Date() < deadline { usleep(1000) }
        let totals = try #require(estimator.totals)
        #expect(totals.files == 2 && totals.bytes == 3000)
    }

    @Test func etaFollowsTheRateSoFar() {
        var progress = BackupProgress()
        progress.bytesSeen = 100
        progress.elapsed = 10
        #expect(progress.estimatedSecondsLeft == nil)
        progress.totalBytes = 400
        #expect(progress.estimatedSecondsLeft == 30)
    }
}
