import Foundation
import Testing

/// Names from the file system, a repository or an age header reach human output escaped
/// (no raw control character or invalid UTF-8 byte on standard output or error); JSON output
/// keeps the exact name.
@Suite struct TerminalEscapeTests {
    static let escapeName = "red\u{1B}[31mname"
    static let newlineName = "line\nbreak"
    static let returnName = "carriage\rreturn"

    /// A source folder whose entries are named to attack a terminal, and a symlink whose
    /// target does.
    static func hostileTree(_ repo: RepositoryScratch) throws -> String {
        let root = repo.path("data")
        let make = """
            set -e
            mkdir -p '\(root)'
            cd '\(root)'
            printf 'a' > "$(printf 'red\\033[31mname')"
            printf 'b' > "$(printf 'line\\nbreak')"
            printf 'c' > "$(printf 'carriage\\rreturn')"
            printf 'd' > "$(printf 'bad\\377\\376name')"
            printf 'e' > 'back\\slash'
            ln -s "$(printf 'target\\033]0;title\\007')" link
            """
        let made = try repo.shell(make)
        #expect(made.status == 0, "\(made.stderr)")
        return root
    }

    /// No byte that could drive a terminal: C0 controls other than the line ends, DEL, and
    /// (since valid UTF-8 is checked) C1 controls and bytes that are not UTF-8.
    static func expectClean(_ bytes: Data, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let controls = bytes.filter { ($0 < 0x20 && $0 != 0x0A) || $0 == 0x7F }
        #expect(controls.isEmpty, "\(what) has raw control bytes \(Array(controls))", sourceLocation: sourceLocation)
        let text = String(data: bytes, encoding: .utf8)
        #expect(text != nil, "\(what) is not UTF-8", sourceLocation: sourceLocation)
        #expect(text?.unicodeScalars.contains { (0x80..<0xA0).contains($0.value) } != true,
                "\(what) has C1 controls", sourceLocation: sourceLocation)
    }

    @Test func listAndDiffEscapeNames() throws {
        let repo = try RepositoryScratch()
        let root = try Self.hostileTree(repo)
        try repo.scratch.write("empty/keep", "x")
        #expect(try repo.kura("backup", "--subject", "s", repo.path("empty")).status == 0)
        let backup = try repo.kura("backup", "--subject", "s", root)
        #expect(backup.status == 0, "\(backup.stderr)")

        let listing = try repo.kura("ls", "s@2")
        #expect(listing.status == 0)
        Self.expectClean(listing.stdout, "ls")
        let fragments = listing.output.split(separator: "\n").filter { $0.range(of: "^[-dlpscb][ 0-7]{4} ", options: .regularExpression) == nil }
        #expect(fragments.isEmpty, "every line is one entry: \(fragments)")
        for shown in ["red\\x1b[31mname", "line\\nbreak", "carriage\\rreturn", "bad\\xff\\xfename", "back\\\\slash",
                      "link -> target\\x1b]0;title\\x07"] {
            #expect(listing.output.contains(shown), "ls shows \(shown): \(listing.output)")
        }

        let diff = try repo.kura("diff", "s@1", "s@2")
        #expect(diff.status == 0)
        Self.expectClean(diff.stdout, "diff")
        for shown in ["red\\x1b[31mname", "line\\nbreak", "carriage\\rreturn", "bad\\xff\\xfename"] {
            #expect(diff.output.contains(shown), "diff shows \(shown): \(diff.output)")
        }

        let json = try repo.kura("diff", "--json", "s@1", "s@2")
        let paths = json.output.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["path"] as? String
        }
        for name in [Self.escapeName, Self.newlineName, Self.returnName] {
            #expect(paths.contains(root + "/" + name), "JSON keeps \(name.debugDescription) exactly: \(paths)")
        }
    }

    @Test func warningsAndErrorsEscapeNames() throws {
        let repo = try RepositoryScratch()
        let root = try Self.hostileTree(repo)
        let socket = root + "/sock\u{1B}[2J\net"
        let made = try repo.scratch.run(Tools.python, ["-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", socket])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(try repo.kura("backup", "--subject", "s", root).status == 0)

        let restore = try repo.kura("restore", "s@1", "--target", repo.path("out"))
        #expect(restore.status == 3, "the socket is reported: \(restore.stderr)")
        Self.expectClean(Data(restore.stderr.utf8), "restore warnings")
        #expect(restore.stderr.contains("sock\\x1b[2J\\net"), "\(restore.stderr)")
        #expect(restore.stderr.split(separator: "\n").count == 1, "one warning line: \(restore.stderr)")

        let again = try repo.kura("restore", "s@1", "--target", repo.path("out"))
        #expect(again.status == 1)
        Self.expectClean(Data(again.stderr.utf8), "restore error")
        #expect(again.stderr.hasPrefix("kura: ") && again.stderr.split(separator: "\n").count == 1, "\(again.stderr)")

        let prepare = try repo.shell("chmod -R a+rwX '\(repo.scratch.url.path)' && chmod 000 \"$(printf '\(root)/red\\033[31mname')\"")
        #expect(prepare.status == 0)
        let asNobody = ["--reuid=65534", "--regid=65534", "--clear-groups", Tools.kura, "backup", "--subject", "u", root]
        let backup = try repo.scratch.run("/usr/bin/setpriv", asNobody, environment: repo.environment)
        #expect(backup.status == 3, "\(backup.stderr)")
        Self.expectClean(Data(backup.stderr.utf8), "backup warnings")
        #expect(backup.stderr.contains("red\\x1b[31mname"), "\(backup.stderr)")

        let json = try repo.scratch.run("/usr/bin/setpriv", Array(asNobody.dropLast()) + ["--json", root], environment: repo.environment)
        let messages = json.output.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["message"] as? String
        }
        #expect(messages.contains { $0.contains(Self.escapeName) }, "JSON warnings keep the exact name: \(messages)")
    }

    @Test func ageHeaderTextIsEscaped() throws {
        let scratch = try Scratch()
        try scratch.write("pw", "secret\n")
        let hostile = Data("age-encryption.org/\u{1B}[31mv9\r\u{9B}2J\n-> scrypt AAAA 10\n--- AAAA\n".utf8)
        let decrypted = try scratch.kura("decrypt", "--passphrase-file", scratch.path("pw"), stdin: hostile)
        #expect(decrypted.status == 14, "\(decrypted.stderr)")
        Self.expectClean(Data(decrypted.stderr.utf8), "decrypt error")
        #expect(decrypted.stderr.contains("\\x1b[31mv9\\r\\xc2\\x9b2J"), "\(decrypted.stderr)")
    }
}
