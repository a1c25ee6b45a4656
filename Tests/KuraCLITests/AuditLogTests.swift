import Foundation
import Testing

/// The audit log through the real binary: every kind of tampering is detected and names the
/// entry it concerns.
@Suite struct AuditLogTests {
    /// A repository whose log has init, a `generation` entry, three restores and another
    /// `generation` entry; generation s@2 records head 5, the witness file head 6.
    static func repositoryWithLog() throws -> (RepositoryScratch, [String]) {
        let repo = try RepositoryScratch()
        try repo.scratch.write("data/file.txt", "contents\n")
        #expect(try repo.kura("backup", "--subject", "s", repo.path("data")).status == 0)
        for round in 1...3 {
            #expect(try repo.kura("restore", "s@1", "--target", repo.path("out\(round)")).status == 0)
        }
        #expect(try repo.kura("backup", "--subject", "s", repo.path("data")).status == 0)
        let head = try repo.kura("audit", "head")
        try repo.scratch.write("witness", head.output)
        return (repo, try entries(repo))
    }

    static func entries(_ repo: RepositoryScratch) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: repo.path("repo/audit")).sorted()
    }

    static func verify(_ repo: RepositoryScratch) throws -> CommandResult {
        try repo.kura("audit", "verify", "--witness", repo.path("witness"))
    }

    static func makeWritable(_ repo: RepositoryScratch) throws {
        _ = try repo.shell("chmod -R u+w '\(repo.path("repo/audit"))'")
    }

    @Test func intactLogVerifiesAndListsEveryAct() throws {
        let (repo, entries) = try Self.repositoryWithLog()
        #expect(entries.count == 6)
        let log = try repo.kura("audit", "log")
        let lines = log.output.split(separator: "\n")
        #expect(lines.count == 6)
        #expect(lines[0].contains("init") && lines[1].contains("generation") && lines[1].contains("generation=s@1"))
        #expect(lines[2].contains("restore") && lines[2].contains("generation=s@1"))
        let json = try repo.kura("audit", "log", "--json")
        let first = try JSONSerialization.jsonObject(with: Data(json.output.split(separator: "\n")[0].utf8)) as? [String: Any]
        #expect(first?["sequence"] as? Int == 1 && first?["action"] as? String == "init")
        let verify = try Self.verify(repo)
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.output.contains("6 entries") && verify.output.contains("3 recorded head(s) reached"), "\(verify.output)")
    }

    @Test func alteredEntryIsNamed() throws {
        let (repo, entries) = try Self.repositoryWithLog()
        try Self.makeWritable(repo)
        let path = repo.path("repo/audit/\(entries[1])")
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let result = try Self.verify(repo)
        #expect(result.status == 3)
        #expect(result.stderr.contains("audit object \(entries[1]): its content does not match its name"), "\(result.stderr)")
        #expect(result.stderr.contains("entry 2 is missing"))
    }

    @Test func deletedEntryIsNamed() throws {
        let (repo, entries) = try Self.repositoryWithLog()
        try Self.makeWritable(repo)
        try FileManager.default.removeItem(atPath: repo.path("repo/audit/\(entries[2])"))
        let result = try Self.verify(repo)
        #expect(result.status == 3)
        #expect(result.stderr.contains("entry 3 is missing (deleted)"), "\(result.stderr)")
    }

    @Test func reorderedEntriesAreNamed() throws {
        let (repo, entries) = try Self.repositoryWithLog()
        try Self.makeWritable(repo)
        // Entries 2 and 3 change places, each renamed to the other's sequence number.
        let second = repo.path("repo/audit/\(entries[1])"), third = repo.path("repo/audit/\(entries[2])")
        try FileManager.default.moveItem(atPath: second, toPath: repo.path("repo/audit/000000000003-" + entries[1].suffix(64)))
        try FileManager.default.moveItem(atPath: third, toPath: repo.path("repo/audit/000000000002-" + entries[2].suffix(64)))
        let result = try Self.verify(repo)
        #expect(result.status == 3)
        #expect(result.stderr.contains("holds entry 2 (moved)") && result.stderr.contains("holds entry 3 (moved)"), "\(result.stderr)")
    }

    @Test func replayedEntryIsNamed() throws {
        let (repo, entries) = try Self.repositoryWithLog()
        try Self.makeWritable(repo)
        // An old restore entry is replayed as the newest one.
        try FileManager.default.copyItem(atPath: repo.path("repo/audit/\(entries[1])"),
                                         toPath: repo.path("repo/audit/000000000007-" + entries[1].suffix(64)))
        let result = try Self.verify(repo)
        #expect(result.status == 3)
        #expect(result.stderr.contains("says entry 7 but it holds entry 2"), "\(result.stderr)")
    }

    @Test func truncatedLogIsCaughtByGenerationHeadsAndWitness() throws {
        let (repo, entries) = try Self.repositoryWithLog()
        try Self.makeWritable(repo)
        try FileManager.default.removeItem(atPath: repo.path("repo/audit/\(entries[4])"))
        try FileManager.default.removeItem(atPath: repo.path("repo/audit/\(entries[5])"))
        let result = try Self.verify(repo)
        #expect(result.status == 3)
        #expect(result.stderr.contains("the witness file records audit head 6"), "\(result.stderr)")
        #expect(result.stderr.contains("generation s@2 records audit head 5"), "\(result.stderr)")
    }

    @Test func logRolledBackToAnOlderCopyIsCaught() throws {
        let (repo, _) = try Self.repositoryWithLog()
        _ = try repo.shell("cp -a '\(repo.path("repo/audit"))' '\(repo.path("old-audit"))'")
        #expect(try repo.kura("restore", "s@2", "--target", repo.path("out-later")).status == 0)
        _ = try repo.kura("audit", "head").output.write(toFile: repo.path("witness"), atomically: true, encoding: .utf8)
        try Self.makeWritable(repo)
        _ = try repo.shell("rm -rf '\(repo.path("repo/audit"))' && cp -a '\(repo.path("old-audit"))' '\(repo.path("repo/audit"))'")
        let result = try Self.verify(repo)
        #expect(result.status == 3)
        #expect(result.stderr.contains("the witness file records audit head 7") && result.stderr.contains("ends at entry 6"),
                "\(result.stderr)")
    }

    @Test func entryFromAnotherRepositoryFailsAuthentication() throws {
        let (repo, entries) = try Self.repositoryWithLog()
        let (other, otherEntries) = try Self.repositoryWithLog()
        try Self.makeWritable(repo)
        try FileManager.default.removeItem(atPath: repo.path("repo/audit/\(entries[3])"))
        try FileManager.default.copyItem(atPath: other.path("repo/audit/\(otherEntries[3])"),
                                         toPath: repo.path("repo/audit/\(otherEntries[3])"))
        let result = try Self.verify(repo)
        #expect(result.status == 3)
        #expect(result.stderr.contains("audit object \(otherEntries[3]): fails authentication"), "\(result.stderr)")
    }
}
