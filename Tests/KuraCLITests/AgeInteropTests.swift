import Foundation
import Testing

/// Kura and the real `age` tool (Debian's package) read each other's files.
@Suite struct AgeInteropTests {
    static let sizes = [0, 1, 65_535, 65_536, 65_537, 3 * 65_536, 200_001]

    static func requireAge() throws -> (age: String, keygen: String) {
        let age = try #require(Tools.path(of: "age"), "the age tool is missing: run Scripts/test.sh")
        let keygen = try #require(Tools.path(of: "age-keygen"), "age-keygen is missing: run Scripts/test.sh")
        return (age, keygen)
    }

    @Test("kura encrypts, age decrypts", arguments: sizes, [false, true])
    func kuraToAge(size: Int, armor: Bool) throws {
        let (age, _) = try Self.requireAge()
        let scratch = try Scratch()
        let recipient = try scratch.kura("keygen", "-o", "key.txt").output.trimmingCharacters(in: .whitespacesAndNewlines)
        let plaintext = randomData(size)
        try scratch.write("plain", plaintext)
        var arguments = ["encrypt", "-r", recipient, "-o", "file.age", "plain"]
        if armor { arguments.insert("-a", at: 1) }
        #expect(try scratch.run(Tools.kura, arguments).status == 0)
        let decrypted = try scratch.run(age, ["-d", "-i", "key.txt", "file.age"])
        #expect(decrypted.status == 0, "\(decrypted.stderr)")
        #expect(decrypted.stdout == plaintext)
    }

    @Test("age encrypts, kura decrypts", arguments: sizes, [false, true])
    func ageToKura(size: Int, armor: Bool) throws {
        let (age, keygen) = try Self.requireAge()
        let scratch = try Scratch()
        #expect(try scratch.run(keygen, ["-o", "key.txt"]).status == 0)
        let recipient = try scratch.run(keygen, ["-y", "key.txt"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        let plaintext = randomData(size)
        try scratch.write("plain", plaintext)
        var arguments = ["-r", recipient, "-o", "file.age", "plain"]
        if armor { arguments.insert("-a", at: 0) }
        #expect(try scratch.run(age, arguments).status == 0)
        let decrypted = try scratch.kura("decrypt", "-i", "key.txt", "-o", "out", "file.age")
        #expect(decrypted.status == 0, "\(decrypted.stderr)")
        #expect(try scratch.read("out") == plaintext)
    }

    @Test func multipleRecipientsAndRecipientsFile() throws {
        let (age, keygen) = try Self.requireAge()
        let scratch = try Scratch()
        #expect(try scratch.run(keygen, ["-o", "a.txt"]).status == 0)
        let first = try scratch.run(keygen, ["-y", "a.txt"]).output
        let second = try scratch.kura("keygen", "-o", "b.txt").output
        try scratch.write("team.txt", "# the team\n\n\(first)\(second)")
        try scratch.write("plain", "shared secret\n")
        #expect(try scratch.kura("encrypt", "-R", "team.txt", "-o", "file.age", "plain").status == 0)
        #expect(try scratch.run(age, ["-d", "-i", "a.txt", "file.age"]).output == "shared secret\n")
        #expect(try scratch.kura("decrypt", "-i", "b.txt", "file.age").output == "shared secret\n")
    }

    /// age reads passphrases only from a terminal, so pexpect gives it one.
    @Test func scryptPassphraseBothWays() throws {
        let (age, _) = try Self.requireAge()
        let scratch = try Scratch()
        try scratch.write("pw", "correct horse battery staple\n")
        try scratch.write("plain", randomData(70_000))
        #expect(try scratch.kura("encrypt", "--scrypt", "--passphrase-file", "pw", "-o", "kura.age", "plain").status == 0)
        let driver = """
            import pexpect, sys
            child = pexpect.spawn(sys.argv[1], sys.argv[2:], timeout=60)
            for _ in range(2 if '-p' in sys.argv else 1):
                child.expect('passphrase')
                child.sendline('correct horse battery staple')
            child.expect(pexpect.EOF)
            child.close()
            sys.exit(child.exitstatus or 0)
            """
        try scratch.write("drive.py", driver)
        let decrypted = try scratch.run(Tools.python, ["drive.py", age, "-d", "-o", "from-kura", "kura.age"])
        #expect(decrypted.status == 0, "\(decrypted.output) \(decrypted.stderr)")
        #expect(try scratch.read("from-kura") == scratch.read("plain"))

        let encrypted = try scratch.run(Tools.python, ["drive.py", age, "-p", "-o", "age.age", "plain"])
        #expect(encrypted.status == 0, "\(encrypted.output) \(encrypted.stderr)")
        #expect(try scratch.kura("decrypt", "--passphrase-file", "pw", "-o", "from-age", "age.age").status == 0)
        #expect(try scratch.read("from-age") == scratch.read("plain"))
    }
}
