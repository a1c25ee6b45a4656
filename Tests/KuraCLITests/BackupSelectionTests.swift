import Foundation
import Testing

/// Choosing what a backup covers: path lists (`--files-from` and its kin, `files-from` in the
/// policy), through the real binary.
@Suite struct BackupSelectionTests {
    /// `kura` with standard input.
    static func kura(_ repo: RepositoryScratch, _ arguments: [String], stdin: Data) throws -> CommandResult {
        try repo.scratch.run(Tools.kura, arguments, stdin: stdin, environment: repo.environment)
    }

    /// The paths `kura ls` prints for a generation.
    static func listing(_ repo: RepositoryScratch, _ generation: String) throws -> String {
        try repo.kura("ls", generation).output
    }

    @Test func filesFromSkipsCommentsAndBlankLinesTrimsSpacesAndAddsToPaths() throws {
        let repo = try RepositoryScratch()
        for name in ["a/one", "a/two", "b/three", "c/four", "d/unlisted"] { try repo.scratch.write(name, name) }
        try repo.scratch.write("list", """
            # what to back up
              \(repo.path("a/one"))\t

            b/three\r
            #\(repo.path("d/unlisted"))
            """)
        let backup = try repo.kura("backup", "--subject", "s", "--files-from", repo.path("list"), repo.path("c"))
        #expect(backup.status == 0, "\(backup.stderr)")
        let listed = try Self.listing(repo, "s@1")
        for name in ["a/one", "b/three", "c/four"] { #expect(listed.contains(repo.path(name)), "\(name) in \(listed)") }
        #expect(!listed.contains("two") && !listed.contains("unlisted"), "\(listed)")
    }

    @Test func verbatimKeepsEveryLineAndRefusesAnEmptyOne() throws {
        let repo = try RepositoryScratch()
        try repo.scratch.write("d/ spaced ", "x")
        try repo.scratch.write("d/#hash", "y")
        try repo.scratch.write("d/other", "z")
        try repo.scratch.write("list", "\(repo.path("d/ spaced "))\n\(repo.path("d/#hash"))\n")
        let backup = try repo.kura("backup", "--subject", "s", "--files-from-verbatim", repo.path("list"))
        #expect(backup.status == 0, "\(backup.stderr)")
        let listed = try Self.listing(repo, "s@1")
        #expect(listed.contains("d/ spaced ") && listed.contains("d/#hash") && !listed.contains("other"), "\(listed)")

        try repo.scratch.write("blank", "\(repo.path("d/other"))\n\n")
        let refused = try repo.kura("backup", "--subject", "s", "--files-from-verbatim", repo.path("blank"))
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("\(repo.path("blank")):2: line 2 of the --files-from-verbatim list is empty"), "\(refused.stderr)")
        #expect(try repo.kura("generations", "--json").output.components(separatedBy: "\"subject\"").count == 2, "no second generation")
    }

    /// `find -print0 | kura backup --files-from-raw -`: names with newlines survive.
    @Test func rawListFromStandardInputKeepsNewlinesInNames() throws {
        let repo = try RepositoryScratch()
        try repo.scratch.write("r/with\nnewline", "n")
        try repo.scratch.write("r/plain", "p")
        try repo.scratch.write("r/skip.log", "l")
        let found = try repo.shell("find '\(repo.path("r"))' -type f ! -name '*.log' -print0")
        #expect(found.status == 0)
        let backup = try Self.kura(repo, ["backup", "--subject", "s", "--files-from-raw", "-"], stdin: found.stdout)
        #expect(backup.status == 0, "\(backup.stderr)")
        let restore = try repo.kura("restore", "s@1", "--target", repo.path("out"))
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(try repo.scratch.read("out" + repo.path("r/with\nnewline")) == Data("n".utf8))
        #expect(repo.scratch.exists("out" + repo.path("r/plain")))
        #expect(!repo.scratch.exists("out" + repo.path("r/skip.log")))
    }

    @Test func aListedPathThatDoesNotExistIsSkippedWithExit3() throws {
        let repo = try RepositoryScratch()
        try repo.scratch.write("here", "h")
        try repo.scratch.write("list", "\(repo.path("here"))\n\(repo.path("gone"))\n")
        let backup = try repo.kura("backup", "--subject", "s", "--files-from", repo.path("list"))
        #expect(backup.status == 3)
        #expect(backup.stderr.contains("\(repo.path("gone")): does not exist; skipped"), "\(backup.stderr)")
        #expect(try Self.listing(repo, "s@1").contains(repo.path("here")))
    }

    @Test func unreadableEmptyAndBadListsAreClearErrors() throws {
        let repo = try RepositoryScratch()
        let missing = try repo.kura("backup", "--files-from", repo.path("nolist"))
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("cannot read the --files-from list \(repo.path("nolist")): No such file or directory"),
                "\(missing.stderr)")
        try repo.scratch.write("comments", "# nothing yet\n\n")
        let empty = try repo.kura("backup", "--files-from", repo.path("comments"))
        #expect(empty.status == 1)
        #expect(empty.stderr.contains("\(repo.path("comments")) lists no paths; nothing was backed up"), "\(empty.stderr)")
        _ = try repo.scratch.write("bad", Data([0x2F, 0xFF, 0x0A]))
        let bad = try repo.kura("backup", "--files-from", repo.path("bad"))
        #expect(bad.status == 2 && bad.stderr.contains("\(repo.path("bad")):1: line 1"), "\(bad.stderr)")
        #expect(try repo.kura("backup", "--files-from", "-", "--files-from-raw", "-").status == 2)
        #expect(try repo.kura("backup", "--stdin", "--files-from", repo.path("comments")).status == 2)
        #expect(!(try repo.kura("generations", "--json").output.contains("\"subject\"")), "no generation was written")
    }

    /// A policy subject may name its paths through lists (relative to the policy's folder);
    /// a malformed value is a problem with its line.
    @Test func policyFilesFromKeys() throws {
        let repo = try RepositoryScratch()
        try repo.scratch.write("data/a", "a")
        try repo.scratch.write("data/b", "b")
        try repo.scratch.write("lists/main", "\(repo.path("data/a"))\n")
        try repo.scratch.write("lists/raw", "\(repo.path("data/b"))\0")
        try repo.scratch.write("kura.toml", """
            [repository.main]
            location = "\(repo.path("repo"))"
            password-file = "\(repo.path("password"))"

            [subject.listed]
            files-from = ["lists/main"]
            files-from-raw = ["lists/raw"]
            repositories = ["main"]
            """)
        let environment = ["KURA_CONFIG": repo.path("kura.toml"), "KURA_REPOSITORY": "", "KURA_PASSWORD_FILE": ""]
        let check = try repo.kura(arguments: ["policy", "check"], environment: environment)
        #expect(check.status == 0, "\(check.stderr)")
        let backup = try repo.kura(arguments: ["backup", "--subject", "listed"], environment: environment)
        #expect(backup.status == 0, "\(backup.stderr)")
        let listed = try repo.kura(arguments: ["ls", "listed@1"], environment: environment).output
        #expect(listed.contains(repo.path("data/a")) && listed.contains(repo.path("data/b")), "\(listed)")

        try repo.scratch.write("kura.toml", """
            [repository.main]
            location = "\(repo.path("repo"))"

            [subject.listed]
            files-from = "lists/main"
            files-from-verbatim = ["-"]
            repositories = ["main"]
            """)
        let broken = try repo.kura(arguments: ["policy", "check"], environment: environment)
        #expect(broken.status == 2)
        #expect(broken.stderr.contains("kura.toml:5: files-from should be an array of strings, found string"), "\(broken.stderr)")
        #expect(broken.stderr.contains("kura.toml:6: files-from-verbatim cannot be -"), "\(broken.stderr)")
    }

    static let cacheTag = "Signature: 8a477f597d28d172789f06886806bc55\n# a cache\n"

    /// A folder with a valid CACHEDIR.TAG keeps only the tag; a tag without the signature counts for nothing.
    @Test func excludeCachesKeepsTheFolderWithItsTagOnly() throws {
        let repo = try RepositoryScratch()
        try repo.scratch.write("t/cache/CACHEDIR.TAG", Self.cacheTag)
        try repo.scratch.write("t/cache/blob", "cached")
        try repo.scratch.write("t/fake/CACHEDIR.TAG", "not a tag\n")
        try repo.scratch.write("t/fake/kept", "kept")
        let backup = try repo.kura("backup", "--subject", "s", "--exclude-caches", repo.path("t"))
        #expect(backup.status == 0, "\(backup.stderr)")
        let listed = try Self.listing(repo, "s@1")
        #expect(listed.contains(repo.path("t/cache/CACHEDIR.TAG")) && !listed.contains("blob"), "\(listed)")
        #expect(listed.contains(repo.path("t/fake/kept")), "\(listed)")
        #expect(try repo.kura("backup", "--subject", "s", repo.path("t")).status == 0)
        #expect(try Self.listing(repo, "s@2").contains("blob"), "without the flag caches are backed up")
    }

    @Test func excludeIfPresentLeavesOutTheFolderByNameAndHeader() throws {
        let repo = try RepositoryScratch()
        try repo.scratch.write("t/a/.nobackup", "")
        try repo.scratch.write("t/a/file", "a")
        try repo.scratch.write("t/b/.marker", "KURA-SKIP yes")
        try repo.scratch.write("t/b/file", "b")
        try repo.scratch.write("t/c/.marker", "other")
        try repo.scratch.write("t/c/file", "c")
        let backup = try repo.kura("backup", "--subject", "s", "--exclude-if-present", ".nobackup",
                                   "--exclude-if-present", ".marker:KURA-SKIP", repo.path("t"))
        #expect(backup.status == 0, "\(backup.stderr)")
        let listed = try Self.listing(repo, "s@1")
        #expect(!listed.contains(repo.path("t/a")) && !listed.contains(repo.path("t/b")), "\(listed)")
        #expect(listed.contains(repo.path("t/c/file")), "\(listed)")
        let bad = try repo.kura("backup", "--exclude-if-present", "a/b", repo.path("t"))
        #expect(bad.status == 2 && bad.stderr.contains("--exclude-if-present \"a/b\""), "\(bad.stderr)")
    }

    @Test func excludeLargerThanLeavesOutAndCountsBigFiles() throws {
        let repo = try RepositoryScratch()
        try repo.writeRandom("t/small", size: 1000, seed: 1)
        try repo.writeRandom("t/exact", size: 2048, seed: 2)
        try repo.writeRandom("t/big", size: 3000, seed: 3)
        let backup = try repo.kura("backup", "--subject", "s", "--json", "--exclude-larger-than", "2K", repo.path("t"))
        #expect(backup.status == 0, "\(backup.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(try #require(backup.output.split(separator: "\n").last).utf8)) as! [String: Any]
        #expect(summary["large_files_left_out"] as? Int == 1)
        #expect(summary["files"] as? Int == 2)
        let listed = try Self.listing(repo, "s@1")
        #expect(listed.contains(repo.path("t/exact")) && !listed.contains(repo.path("t/big")), "\(listed)")
        let human = try repo.kura("backup", "--subject", "s", "--exclude-larger-than", "1k", repo.path("t"))
        #expect(human.output.contains("2 file(s) larger than ") && human.output.contains(" left out"), "\(human.output)")
        for bad in ["12X", "", "-1", "1.5G"] {
            let refused = try repo.kura("backup", "--exclude-larger-than=\(bad)", repo.path("t"))
            #expect(refused.status == 2 && refused.stderr.contains("is not a size"), "\(bad): \(refused.stderr)")
        }
    }

    @Test func policyExclusionKeys() throws {
        let repo = try RepositoryScratch()
        try repo.scratch.write("data/cache/CACHEDIR.TAG", Self.cacheTag)
        try repo.scratch.write("data/cache/blob", "x")
        try repo.scratch.write("data/skip/.nobackup", "")
        try repo.writeRandom("data/big", size: 5000, seed: 1)
        try repo.scratch.write("data/small", "s")
        let head = """
            [repository.main]
            location = "\(repo.path("repo"))"
            password-file = "\(repo.path("password"))"

            [subject.data]
            paths = ["\(repo.path("data"))"]
            repositories = ["main"]

            """
        try repo.scratch.write("kura.toml", head + """
            exclude-caches = true
            exclude-if-present = [".nobackup"]
            exclude-larger-than = "4K"
            """)
        let environment = ["KURA_CONFIG": repo.path("kura.toml"), "KURA_REPOSITORY": "", "KURA_PASSWORD_FILE": ""]
        let backup = try repo.kura(arguments: ["backup", "--subject", "data"], environment: environment)
        #expect(backup.status == 0, "\(backup.stderr)")
        let listed = try repo.kura(arguments: ["ls", "data@1"], environment: environment).output
        #expect(listed.contains("CACHEDIR.TAG") && listed.contains(repo.path("data/small")), "\(listed)")
        #expect(!listed.contains("blob") && !listed.contains("skip") && !listed.contains(repo.path("data/big")), "\(listed)")

        try repo.scratch.write("kura.toml", head + """
            exclude-caches = "yes"
            exclude-if-present = ["a/b"]
            exclude-larger-than = "lots"
            """)
        let broken = try repo.kura(arguments: ["policy", "check"], environment: environment)
        #expect(broken.status == 2)
        #expect(broken.stderr.contains("kura.toml:8: exclude-caches should be true or false"), "\(broken.stderr)")
        #expect(broken.stderr.contains("kura.toml:9: exclude-if-present \"a/b\""), "\(broken.stderr)")
        #expect(broken.stderr.contains("kura.toml:10: exclude-larger-than = \"lots\" is not a size"), "\(broken.stderr)")
    }
}
