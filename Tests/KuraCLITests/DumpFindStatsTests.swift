import Foundation
import Testing

/// `kura dump`, `kura find` and `kura stats` through the real binary, checked with real tar
/// and Python's tarfile.
@Suite struct DumpFindStatsTests {
    static func populated() throws -> (RepositoryScratch, String) {
        let repo = try RepositoryScratch()
        let root = repo.path("src")
        let longFolder = String(repeating: "d", count: 120), longFile = String(repeating: "f", count: 90)
        let make = """
            set -e
            mkdir -p '\(root)/sub/\(longFolder)' '\(root)/empty'
            printf 'hello\\n' > '\(root)/a.txt'
            head -c 3000000 /dev/urandom > '\(root)/big.bin'
            ln '\(root)/big.bin' '\(root)/sub/hard.bin'
            ln -s a.txt '\(root)/link'
            printf 'x' > "\(root)/ünï $(printf 'bad\\377')"
            printf 'deep\\n' > '\(root)/sub/\(longFolder)/\(longFile)'
            mkfifo '\(root)/fifo'
            touch -d '2001-02-03 04:05:06.123456789' '\(root)/a.txt'
            chmod 4750 '\(root)/sub'
            """
        let made = try repo.shell(make)
        guard made.status == 0 else { throw POSIXError(.EIO) }
        let backup = try repo.kura("backup", "--subject", "s", root)
        guard backup.status == 0 else { throw POSIXError(.EIO) }
        return (repo, root)
    }

    @Test func aFileGoesToStandardOutputByteForByte() throws {
        let (repo, root) = try Self.populated()
        let small = try repo.kura("dump", "s@latest", root + "/a.txt")
        #expect(small.status == 0 && small.output == "hello\n", "\(small.stderr)")
        let big = try repo.kura("dump", "s@latest", root + "/big.bin")
        let original = try Data(contentsOf: URL(fileURLWithPath: root + "/big.bin"))
        #expect(big.status == 0 && big.stdout == original)

        let target = try repo.kura("dump", "s", root + "/big.bin", "--target", repo.path("out.bin"))
        #expect(target.status == 0 && target.stdout.isEmpty, "\(target.stderr)")
        #expect(try repo.shell("cmp '\(repo.path("out.bin"))' '\(root)/big.bin'").status == 0)
        let again = try repo.kura("dump", "s", root + "/big.bin", "--target", repo.path("out.bin"))
        #expect(again.status != 0, "an existing --target is not replaced without --force")
    }

    /// A directory as tar: GNU tar extracts a tree that `diff -r` finds equal (long and
    /// non-UTF-8 names, hard and symbolic links, a FIFO, modes, nanosecond mtimes).
    @Test func aDirectoryIsATarArchiveThatExtractsToTheSameTree() throws {
        let (repo, root) = try Self.populated()
        let dumped = try repo.kura("dump", "s@latest", root)
        #expect(dumped.status == 0, "\(dumped.stderr)")
        try dumped.stdout.write(to: URL(fileURLWithPath: repo.path("out.tar")))
        let extracted = try repo.shell("""
            set -e
            mkdir x && tar -C x -xf out.tar 2>&1
            diff -r --no-dereference -x fifo '\(root)' "x\(root)"
            test -p "x\(root)/fifo"
            stat -c '%a %y' "x\(root)/sub" "x\(root)/a.txt"
            stat -c '%h %i' "x\(root)/big.bin" "x\(root)/sub/hard.bin"
            """)
        #expect(extracted.status == 0, "\(extracted.output) \(extracted.stderr)")
        let lines = extracted.output.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("4750 ") }, "\(extracted.output)")
        #expect(lines.contains { $0.contains("2001-02-03 04:05:06.123456789") }, "\(extracted.output)")
        #expect(lines.suffix(2).map { $0.split(separator: " ")[0] } == ["2", "2"], "hard links stay linked: \(extracted.output)")

        // Python's tarfile reads every member, names intact.
        let python = try repo.shell("""
            \(Tools.python) -c "
            import tarfile, os, sys
            t = tarfile.open('out.tar')
            names = [m.name for m in t.getmembers()]
            assert len(names) == len(set(names)), names
            assert os.fsencode([n for n in names if 'bad' in n][0]).endswith(b'bad\\\\xff'), names
            assert [m for m in t.getmembers() if m.name.endswith('ffff')][0].size == 5
            print(len(names))
            "
            """)
        #expect(python.status == 0 && python.output == "11\n", "\(python.output) \(python.stderr)")

        // The whole generation ("/") holds the same members under the folders above src/.
        let whole = try repo.shell("""
            set -e
            '\(Tools.kura)' dump s@latest / | tar -t > whole.txt
            tar -tf out.tar > part.txt
            grep -vxF -f part.txt whole.txt
            """)
        #expect(whole.status == 0, "\(whole.stderr)")
        let above = root.split(separator: "/").dropLast().count
        #expect(whole.output.split(separator: "\n").count == above, "\(whole.output)")
    }

    @Test func dumpRefusesWhatItCannotWrite() throws {
        let (repo, root) = try Self.populated()
        let missing = try repo.kura("dump", "s@latest", root + "/nope")
        #expect(missing.status == 1 && missing.stderr.contains("/nope") && missing.stdout.isEmpty)
        let fifo = try repo.kura("dump", "s@latest", root + "/fifo")
        #expect(fifo.status == 2 && fifo.stdout.isEmpty)
        let noGeneration = try repo.kura("dump", "s@9", root + "/a.txt")
        #expect(noGeneration.status != 0 && noGeneration.stdout.isEmpty)

        // A damaged pack: an error, never a silently short file.
        let damage = try repo.shell("""
            \(Tools.python) -c "
            import glob, os
            for path in glob.glob('repo/data/*/*'):
                os.chmod(path, 0o600)
                with open(path, 'r+b') as f:
                    for offset in range(1000, os.path.getsize(path) - 200, 65536):
                        f.seek(offset); f.write(b'XXXX')
            "
            """)
        #expect(damage.status == 0, "\(damage.stderr)")
        let damaged = try repo.kura("dump", "s@latest", root + "/big.bin")
        #expect(damaged.status == 13, "\(damaged.status) \(damaged.stderr)")
    }

    @Test func findNamesEveryGenerationHoldingAMatch() throws {
        let (repo, root) = try Self.populated()
        _ = try repo.shell("rm '\(root)/sub/hard.bin' && printf 'new\\n' > '\(root)/new.bin'")
        #expect(try repo.kura("backup", "--subject", "s", root).status == 0)
        #expect(try repo.kura("backup", "--subject", "other", root + "/a.txt").status == 0)

        let text = try repo.kura("find", "*.bin")
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.output.contains("s@1 ") && text.output.contains("s@2 "), "\(text.output)")
        #expect(text.output.hasSuffix("4 match(es) in 2 of 3 generation(s)\n"), "\(text.output)")

        let json = try repo.kura("find", "--json", "hard.bin", "a.txt")
        let matches = try #require(try JSONSerialization.jsonObject(with: json.stdout) as? [[String: Any]])
        #expect(matches.compactMap { $0["generation"] as? String } == ["s@1", "s@1", "s@2", "other@1"])
        let a = try #require(matches.first { $0["path"] as? String == root + "/a.txt" })
        #expect(a["mtime"] as? String == "2001-02-03T04:05:06.123456789Z" && a["size"] as? Int == 6)

        let byPath = try repo.kura("find", "--subject", "s", root + "/sub/*")
        #expect(byPath.output.hasSuffix("3 match(es) in 2 of 2 generation(s)\n"), "\(byPath.output)")
        #expect(try repo.kura("find", "nothing-like-it").output.hasSuffix("0 match(es) in 0 of 3 generation(s)\n"))
        #expect(try repo.kura("find", "").status == 2)
    }

    @Test func statsCountRestoredAndStoredSizes() throws {
        let (repo, _) = try Self.populated()
        let restore = try repo.kura("stats", "s@latest", "--json")
        #expect(restore.status == 0, "\(restore.stderr)")
        let sizes = try #require(try JSONSerialization.jsonObject(with: restore.stdout) as? [String: Any])
        // a.txt, big.bin (its hard link counted once), the non-UTF-8 file, the deep file.
        #expect(sizes["files"] as? Int == 5)
        #expect(sizes["total_size"] as? Int == 6 + 3_000_000 + 1 + 5)
        #expect(sizes["other_entries"] as? Int == 2)

        let raw = try repo.kura("stats", "--mode", "raw-data", "--json")
        let stored = try #require(try JSONSerialization.jsonObject(with: raw.stdout) as? [String: Any])
        let plaintext = try #require(stored["total_uncompressed_size"] as? Int)
        let onDisk = try #require(stored["total_size"] as? Int)
        #expect(plaintext > 3_000_000 && onDisk >= plaintext - 1000, "random data does not compress: \(stored)")
        let packs = try repo.shell("cat repo/data/*/* | wc -c").output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(onDisk <= Int(packs) ?? 0, "blobs fit in the packs")

        #expect(try repo.kura("stats", "--mode", "bogus").status == 2)
        #expect(try repo.kura("stats", "s@1", "--subject", "s").status == 2)
    }
}
