import Foundation
import Testing

/// What a restic or Borg user expects on day one: a missing path does not cancel a backup,
/// a folder with other files is never made a repository, a typo in a command is caught.
@Suite struct EverydayCommandTests {
    /// An unmounted disk among the paths: the rest is backed up, the missing path is named,
    /// the exit status is 3. With no path left there is no generation.
    @Test func aMissingPathIsSkippedAndTheRestBackedUp() throws {
        let repo = try RepositoryScratch()
        try repo.scratch.write("data/a.txt", Data("a\n".utf8))
        let backup = try repo.kura("backup", "--subject", "s", repo.path("data"), repo.path("unmounted"))
        #expect(backup.status == 3, "\(backup.stderr)")
        #expect(backup.stderr.contains(repo.path("unmounted")) && backup.stderr.contains("does not exist"), "\(backup.stderr)")
        let listing = try repo.kura("ls", "s@latest")
        #expect(listing.status == 0 && listing.output.contains("/a.txt"), "\(listing.output) \(listing.stderr)")

        let none = try repo.kura("backup", "--subject", "t", repo.path("gone1"), repo.path("gone2"))
        #expect(none.status == 1 && none.stderr.contains("nothing was backed up"), "\(none.stderr)")
        #expect(try repo.kura("generations", "--subject", "t").output.contains("t@") == false)
    }

    @Test func initRefusesAFolderThatHoldsOtherFiles() throws {
        let repo = try RepositoryScratch()
        try repo.scratch.write("home/notes.txt", Data("keep me\n".utf8))
        let refused = try repo.kura(arguments: ["init", "--kdf-iterations", "1", "--kdf-memory", "8"],
                                    environment: ["KURA_REPOSITORY": repo.path("home")])
        #expect(refused.status != 0 && refused.stderr.contains("not empty"), "\(refused.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: repo.path("home")) == ["notes.txt"])

        // An empty folder, or a fresh file system's root with only lost+found, is fine.
        try FileManager.default.createDirectory(atPath: repo.path("disk/lost+found"), withIntermediateDirectories: true)
        let created = try repo.kura(arguments: ["init", "--kdf-iterations", "1", "--kdf-memory", "8"],
                                    environment: ["KURA_REPOSITORY": repo.path("disk")])
        #expect(created.status == 0, "\(created.stderr)")
    }

    /// `rest:`, `rclone:`, `b2:` and other forms Kura does not speak are refused, not made into a
    /// folder named after them in the current directory; `./name:with:colons` is a local path.
    @Test func aForeignRepositoryFormIsRefusedNotMadeAFolder() throws {
        let repo = try RepositoryScratch()
        let before = try repo.scratch.entries()
        for location in ["rest:http://127.0.0.1:8000/", "rclone:remote:path", "b2:bucket:path", "backup:2024"] {
            for command in [["init", "--kdf-iterations", "1", "--kdf-memory", "8"], ["generations"]] {
                let refused = try repo.kura(arguments: command + ["--repo", location])
                #expect(refused.status == 2 && refused.stderr.contains("does not support"), "\(location): \(refused.stderr)")
                #expect(!refused.stderr.contains("kura init"), "\(refused.stderr)")
            }
        }
        // ssh:// and sftp: are real backends: a closed port is an ssh error, and still no folder.
        for remote in ["ssh://127.0.0.1:1/srv/kura", "sftp://127.0.0.1:1/srv/kura"] {
            let refused = try repo.kura(arguments: ["generations", "--repo", remote])
            #expect(refused.status == 1 && refused.stderr.contains(remote), "\(refused.stderr)")
            #expect(!refused.stderr.contains("not available"), "\(refused.stderr)")
        }
        #expect(try repo.scratch.entries() == before)
        let local = try repo.kura(arguments: ["init", "--kdf-iterations", "1", "--kdf-memory", "8", "--repo", "./a:b"])
        #expect(local.status == 0, "\(local.stderr)")
        #expect(repo.scratch.exists("a:b/config"))
    }

    @Test func aMistypedCommandIsAUsageErrorWithASuggestion() throws {
        let repo = try RepositoryScratch()
        for arguments in [["backpu"], ["backpu", "--help"], ["key", "ad", "--help"], ["snapshot"]] {
            let result = try repo.kura(arguments: arguments)
            #expect(result.status == 2, "\(arguments): \(result.status)")
            #expect(result.output.isEmpty, "\(arguments): no help on stdout")
        }
        #expect(try repo.kura("backpu").stderr.contains("did you mean 'backup'"))
        #expect(try repo.kura("key", "ad").stderr.contains("did you mean 'add'"))
        #expect(try repo.kura("snapshot").stderr.contains("did you mean 'snapshots'"))
        #expect(try repo.kura("help", "backup").status == 0)
        #expect(try repo.kura("snapshots").status == 0)
    }

    /// A backup key keeps trees in Kura's cache folder, which is tagged so that backup tools
    /// (restic, Borg, tar --exclude-caches) leave it out.
    @Test func theCacheFolderCarriesACacheDirTag() throws {
        let repo = try RepositoryScratch()
        try repo.scratch.write("backup.pw", Data("backup password\n".utf8))
        let added = try repo.kura(arguments: ["key", "add", "--role", "backup", "--name", "host", "--new-password-file",
                                              repo.path("backup.pw"), "--kdf-iterations", "1", "--kdf-memory", "8"])
        #expect(added.status == 0, "\(added.stderr)")
        try repo.scratch.write("data/a.txt", Data("a\n".utf8))
        let backup = try repo.kura(arguments: ["backup", "--subject", "s", repo.path("data")],
                                   environment: ["KURA_PASSWORD_FILE": repo.path("backup.pw"), "XDG_CACHE_HOME": repo.path("cache")])
        #expect(backup.status == 0, "\(backup.stderr)")
        let tag = try String(contentsOfFile: repo.path("cache/kura/CACHEDIR.TAG"), encoding: .utf8)
        #expect(tag.hasPrefix("Signature: 8a477f597d28d172789f06886806bc55"))
    }
}
