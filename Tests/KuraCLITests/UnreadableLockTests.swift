import Foundation
import Testing

/// Garbage in locks/: named, waited for while young, cleared like a stale lock once old;
/// `unlock` lists it as unreadable and `--remove-all` removes it (docs/FORMAT.md "Locks").
@Suite struct UnreadableLockTests {
    @Test func aYoungUnreadableLockIsNamedAndListedAsUnreadable() throws {
        let repo = try RepositoryScratch()
        try repo.scratch.write("repo/locks/garbage", "not a lock")
        let backup = try repo.kura(arguments: ["backup", "--subject", "s", repo.path("password")], environment: ["KURA_LOCK_WAIT": "1"])
        #expect(backup.status == 11 && backup.stderr.contains("garbage"), "\(backup.stderr)")
        let listed = try repo.kura("unlock")
        #expect(listed.status == 0 && listed.output.contains("unreadable lock garbage")
                && listed.output.contains("0 live lock(s)"), "\(listed.output)")
        #expect(try repo.kura("unlock", "--remove-all").status == 0)
        #expect(!repo.scratch.exists("repo/locks/garbage"))
    }

    @Test func anOldUnreadableLockIsClearedByAnyCommand() throws {
        let repo = try RepositoryScratch()
        func plantOld(_ name: String) throws {
            try repo.scratch.write("repo/locks/\(name)", "not a lock")
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-2 * 3600)],
                                                  ofItemAtPath: repo.path("repo/locks/\(name)"))
        }
        try plantOld("old1")
        let backup = try repo.kura("backup", "--subject", "s", repo.path("password"))
        #expect(backup.status == 0, "\(backup.stderr)")
        #expect(!repo.scratch.exists("repo/locks/old1"))
        try plantOld("old2")
        let unlock = try repo.kura("unlock")
        #expect(unlock.output.contains("removed stale lock old2"), "\(unlock.output)")
        #expect(!repo.scratch.exists("repo/locks/old2"))
    }
}
