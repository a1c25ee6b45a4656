import CLinux
import Foundation
import Testing

/// Backup and restore through the real binary, compared entry by entry with full metadata.
@Suite struct BackupRestoreTests {
    /// A tree with every kind of entry and metadata Kura must keep.
    static func makeTree(_ repo: RepositoryScratch) throws -> String {
        let root = repo.path("source")
        let make = """
            set -e
            mkdir -p '\(root)/docs/deep/er' '\(root)/empty dir'
            cd '\(root)'
            printf 'hello\\n' > docs/hello.txt
            : > docs/empty
            head -c 3000000 /dev/urandom > docs/random.bin
            head -c 100000 /dev/zero > docs/zeros
            printf 'unicode\\n' > 'docs/ünïcødé ✓.txt'
            printf 'raw\\n' > "docs/$(printf 'bad\\377name')"
            ln -s hello.txt docs/link
            ln -s /nonexistent/target docs/dangling
            ln docs/random.bin docs/deep/hardlink
            truncate -s 50M docs/sparse
            printf 'tail' >> docs/sparse
            mkfifo docs/fifo
            chmod 600 docs/hello.txt
            chmod 4755 docs/deep/er
            chown 1234:2345 docs/empty
            touch -h -d '2001-02-03 04:05:06.123456789' docs/link
            touch -d '1999-12-31 23:59:59.987654321' docs/hello.txt
            """
        let result = try repo.shell(make)
        guard result.status == 0 else { Issue.record("making the tree failed: \(result.stderr)"); return root }
        _ = setxattr(root + "/docs/hello.txt", "user.kura.test", "value", 5, 0)
        _ = setxattr(root + "/docs/deep", "user.folder", "\u{1}\u{2}", 2, 0)
        return root
    }

    @Test func generatedTreeRoundTripsExactly() throws {
        let repo = try RepositoryScratch()
        let root = try Self.makeTree(repo)
        let backup = try repo.kura("backup", "--subject", "docs", root)
        #expect(backup.status == 0, "\(backup.stderr)")
        #expect(backup.output.hasPrefix("docs@1 "))

        let restore = try repo.kura("restore", "docs@latest", "--target", repo.path("restored"), "--verify")
        #expect(restore.status == 0, "\(restore.stderr)")
        let original = try TreeSnapshot.take(root)
        let restored = try TreeSnapshot.take(repo.path("restored") + root)
        #expect(original == restored, "\(TreeSnapshot.differences(original, restored))")

        let sparse = try repo.shell("du -k '\(repo.path("restored") + root)/docs/sparse' | cut -f1")
        #expect((Int(sparse.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? .max) < 1024, "sparse file restored sparse")

        #expect(try repo.kura("restore", "docs@1", "--target", repo.path("restored")).status == 1, "no overwrite without --overwrite")
        #expect(try repo.kura("restore", "docs@1", "--target", repo.path("restored"), "--overwrite").status == 0)
        #expect(try repo.kura("check", "--read-data").status == 0)
    }

    @Test func unchangedFilesAreNotReadAgain() throws {
        let repo = try RepositoryScratch()
        let root = try Self.makeTree(repo)
        #expect(try repo.kura("backup", "--subject", "s", root).status == 0)
        let second = try repo.kura("backup", "--json", "--subject", "s", root)
        #expect(second.status == 0)
        let summary = try #require(second.output.split(separator: "\n").last)
        let json = try JSONSerialization.jsonObject(with: Data(summary.utf8)) as! [String: Any]
        #expect(json["bytes_read"] as? Int == 0)
        #expect(json["generation"] as? String == "s@2")
        let generations = try repo.kura("generations", "--json")
        let list = try JSONSerialization.jsonObject(with: generations.stdout) as! [[String: Any]]
        #expect(list.count == 2)
        #expect(list[1]["parent"] as? String == list[0]["id"] as? String)
    }

    @Test func partialRestoreAndExcludes() throws {
        let repo = try RepositoryScratch()
        let root = try Self.makeTree(repo)
        #expect(try repo.kura("backup", "--subject", "s", "--exclude", "*.bin", "--exclude", "\(root)/empty dir", root).status == 0)
        let listing = try repo.kura("ls", "s@1").output
        #expect(!listing.contains("random.bin"))
        #expect(!listing.contains("empty dir"))
        #expect(listing.contains("hello.txt"))
        #expect(try repo.kura("restore", "s@1", "--target", repo.path("part"), "\(root)/docs/deep").status == 0)
        // The hard link's first name (random.bin) was excluded; the other name still has the content.
        #expect(FileManager.default.contentsEqual(atPath: repo.path("part") + root + "/docs/deep/hardlink",
                                                  andPath: root + "/docs/random.bin"))
        #expect(!FileManager.default.fileExists(atPath: repo.path("part") + root + "/docs/hello.txt"))
    }

    /// A path that names nothing in the generation is an error naming it and the generation,
    /// and nothing is written (not even the target folder), even beside a path that exists.
    @Test func restoringAPathTheGenerationDoesNotHoldFails() throws {
        let repo = try RepositoryScratch()
        try repo.writeRandom("src/a", size: 100, seed: 1)
        #expect(try repo.kura("backup", "--subject", "s", repo.path("src")).status == 0)
        let missing = repo.path("src") + "/nothere"
        let restore = try repo.kura("restore", "s@1", "--target", repo.path("r"), repo.path("src") + "/a", missing)
        #expect(restore.status == 1)
        #expect(restore.stderr.contains("s@1 holds no \(missing)"), "\(restore.stderr)")
        #expect(restore.stderr.split(separator: "\n").count == 1, "\(restore.stderr)")
        #expect(!repo.scratch.exists("r"))
        let good = try repo.kura("restore", "s@1", "--target", repo.path("r"), repo.path("src") + "/a/", "/")
        #expect(good.status == 0, "\(good.stderr)")
        #expect(repo.scratch.exists("r" + repo.path("src") + "/a"))
    }

    /// /usr/share/doc is real system data: thousands of files, symlinks, odd names.
    @Test func realSystemFolderRoundTrips() throws {
        let repo = try RepositoryScratch()
        let backup = try repo.kura("backup", "--subject", "doc", "/usr/share/doc")
        #expect(backup.status == 0, "\(backup.stderr)")
        let restore = try repo.kura("restore", "doc@1", "--target", repo.path("r"))
        #expect(restore.status == 0, "\(restore.stderr)")
        let original = try TreeSnapshot.take("/usr/share/doc")
        let restored = try TreeSnapshot.take(repo.path("r") + "/usr/share/doc")
        #expect(original.count > 100)
        #expect(original == restored, "\(TreeSnapshot.differences(original, restored))")
    }

    /// A file whose size changed between lstat and read (here a /proc file, which lstat calls
    /// empty) is stored with the size of what was read, so it restores and verifies.
    @Test func fileSizedDifferentlyThanStatSaidRestoresAsRead() throws {
        let path = "/proc/version"
        var info = stat()
        guard lstat(path, &info) == 0, info.st_size == 0, let text = try? String(contentsOfFile: path, encoding: .utf8),
              !text.isEmpty else { return }   // no procfs here
        let repo = try RepositoryScratch()
        let backup = try repo.kura("backup", "--subject", "proc", path)
        #expect(backup.status == 0, "\(backup.stderr)")
        let restore = try repo.kura("restore", "proc@1", "--target", repo.path("r"), "--verify")
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(try String(contentsOfFile: repo.path("r") + path, encoding: .utf8) == text)
        #expect(try repo.kura("ls", "proc@1", "/proc").output.contains("\(text.utf8.count) "))
    }

    /// A path selected through a symlinked folder (/var/run/x with /var/run → /run) restores:
    /// the folder on the way is recorded as the directory it leads to.
    @Test func pathThroughASymlinkedFolderRestores() throws {
        let repo = try RepositoryScratch()
        try repo.writeRandom("real/dir/f", size: 5000, seed: 3)
        try FileManager.default.createSymbolicLink(atPath: repo.path("link"), withDestinationPath: repo.path("real"))
        let selected = repo.path("link") + "/dir/f"
        #expect(try repo.kura("backup", "--subject", "s", selected).status == 0)
        let restore = try repo.kura("restore", "s@1", "--target", repo.path("r"), "--verify")
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(try repo.scratch.read("r" + selected) == (try repo.scratch.read("real/dir/f")))
    }

    /// Data shifted by an insertion is stored again only around the insertion.
    @Test func shiftedDataDeduplicates() throws {
        let repo = try RepositoryScratch()
        try repo.writeRandom("data/big", size: 24 * 1024 * 1024, seed: 42)
        let first = try repo.kura("backup", "--json", "--subject", "d", repo.path("data"))
        #expect(first.status == 0)
        var bytes = [UInt8](try repo.scratch.read("data/big"))
        bytes.insert(contentsOf: Array("inserted bytes".utf8), at: 5_000_000)
        bytes.insert(contentsOf: [1, 2, 3], at: 0)
        try repo.scratch.write("data/big", Data(bytes))
        try repo.writeRandom("data/copy-of-other", size: 1, seed: 1)
        let second = try repo.kura("backup", "--json", "--subject", "d", repo.path("data"))
        #expect(second.status == 0)
        let summary = try JSONSerialization.jsonObject(with: Data(second.output.split(separator: "\n").last!.utf8)) as! [String: Any]
        let stored = try #require(summary["stored_bytes"] as? Int)
        #expect(stored < 10 * 1024 * 1024, "an insertion re-stored \(stored) bytes of 24 MiB")
        #expect(try repo.kura("check", "--read-data").status == 0)
    }

    @Test func diffNamesEachKindOfChange() throws {
        let repo = try RepositoryScratch()
        try repo.shell("""
            mkdir -p t/keep t/gone t/swap && echo same > t/keep/same && echo old > t/keep/edit
            echo mode > t/keep/mode && echo bye > t/gone/file && echo f > t/swap/x && ln -s same t/keep/link
            """)
        #expect(try repo.kura("backup", "--subject", "d", repo.path("t")).status == 0)
        try repo.shell("""
            echo new > t/keep/edit && chmod 600 t/keep/mode && rm -r t/gone && echo hi > t/keep/added
            rm -r t/swap && echo now-a-file > t/swap && ln -sfn edit t/keep/link
            """)
        #expect(try repo.kura("backup", "--subject", "d", repo.path("t")).status == 0)
        let diff = try repo.kura("diff", "d@1", "d@2")
        #expect(diff.status == 0, "\(diff.stderr)")
        let root = repo.path("t")
        let lines = Set(diff.output.split(separator: "\n").map { $0.replacingOccurrences(of: root, with: "") })
        for expected in ["M    /keep/edit", "U    /keep/mode", "+    /keep/added", "-    /gone", "-    /gone/file",
                         "T    /swap", "-    /swap/x", "M    /keep/link"] {
            #expect(lines.contains(expected), "missing \(expected) in \(diff.output)")
        }
        #expect(!diff.output.contains("/keep/same") && !lines.contains("U    /keep"))
        #expect(diff.output.contains("1 added, 3 removed, 3 changed, 1 metadata only"), "\(diff.output)")
        let json = try repo.kura("diff", "d@1", "d@2", "--json")
        #expect(json.output.contains(#""type":"summary""#) && json.output.contains(#""change":"M""#))
        #expect(try repo.kura("diff", "d@1", "d@9").status != 0)
    }
}
