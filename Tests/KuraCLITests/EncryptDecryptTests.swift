import Foundation
import Testing

/// The CLI's behaviour on good and bad input: exit codes, messages, and no output left
/// behind on failure. Assertions look at exit codes and files, not message wording.
@Suite struct EncryptDecryptTests {
    /// A scratch directory with an identity, its recipient and a plaintext file.
    static func setUp(size: Int = 150_000) throws -> (Scratch, String) {
        let scratch = try Scratch()
        let recipient = try scratch.kura("keygen", "-o", "key.txt").output.trimmingCharacters(in: .whitespacesAndNewlines)
        try scratch.write("plain", randomData(size))
        #expect(try scratch.kura("encrypt", "-r", recipient, "-o", "file.age", "plain").status == 0)
        return (scratch, recipient)
    }

    @Test func keygenWritesPrivateFileAndPrintsRecipient() throws {
        let scratch = try Scratch()
        let result = try scratch.kura("keygen", "-o", "key.txt")
        #expect(result.status == 0)
        #expect(result.output.hasPrefix("age1"))
        let attributes = try FileManager.default.attributesOfItem(atPath: scratch.path("key.txt"))
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let text = String(decoding: try scratch.read("key.txt"), as: UTF8.self)
        #expect(text.contains("AGE-SECRET-KEY-1"))
        #expect(text.contains(result.output.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try scratch.kura("keygen", "-o", "key.txt").status == 1, "keygen must not overwrite a key")
        #expect(try scratch.read("key.txt") == Data(text.utf8))
    }

    @Test func standardInputAndOutput() throws {
        let (scratch, recipient) = try Self.setUp()
        let plaintext = try scratch.read("plain")
        let encrypted = try scratch.kura("encrypt", "-r", recipient, stdin: plaintext)
        #expect(encrypted.status == 0)
        let decrypted = try scratch.kura("decrypt", "-i", "key.txt", stdin: encrypted.stdout)
        #expect(decrypted.status == 0)
        #expect(decrypted.stdout == plaintext)
        let armored = try scratch.kura("encrypt", "-a", "-r", recipient, "-", stdin: plaintext)
        #expect(armored.output.hasPrefix("-----BEGIN AGE ENCRYPTED FILE-----\n"))
        #expect(try scratch.kura("decrypt", "-i", "key.txt", "-", stdin: armored.stdout).stdout == plaintext)
    }

    @Test func argon2idPassphraseRoundTrip() throws {
        let scratch = try Scratch()
        try scratch.write("pw", "a long passphrase\n")
        try scratch.write("plain", "vault contents\n")
        #expect(try scratch.kura("encrypt", "-p", "--passphrase-file", "pw", "-o", "file.age", "plain").status == 0)
        let header = String(decoding: try scratch.read("file.age").prefix(200), as: UTF8.self)
        #expect(header.contains("-> kura-argon2id "))
        let viaEnvironment = try scratch.kura("decrypt", "file.age", environment: ["KURA_PASSPHRASE_FILE": scratch.path("pw")])
        #expect(viaEnvironment.status == 0)
        #expect(viaEnvironment.output == "vault contents\n")
        try scratch.write("wrong", "not it\n")
        let wrong = try scratch.kura("decrypt", "--passphrase-file", "wrong", "-o", "out", "file.age")
        #expect(wrong.status == 12)
        #expect(!scratch.exists("out"))
    }

    @Test func passphraseWithoutTerminalOrFileIsAClearError() throws {
        let scratch = try Scratch()
        try scratch.write("plain", "x")
        let result = try scratch.run("/usr/bin/setsid", ["-w", Tools.kura, "encrypt", "-p", "-o", "file.age", "plain"])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("kura: "))
        #expect(!scratch.exists("file.age"))
    }

    @Test func wrongIdentityExits12AndLeavesNothing() throws {
        let (scratch, _) = try Self.setUp()
        _ = try scratch.kura("keygen", "-o", "other.txt")
        let before = try scratch.entries()
        let result = try scratch.kura("decrypt", "-i", "other.txt", "-o", "out", "file.age")
        #expect(result.status == 12)
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(try scratch.entries() == before)
    }

    /// A flipped bit anywhere in the payload, truncation at several places, and appended
    /// bytes are each detected; no output file is left behind.
    @Test("damaged files are refused", arguments: ["flip-payload", "flip-last", "truncate-chunk", "truncate-boundary",
                                                   "truncate-nonce", "append", "flip-header-mac", "flip-stanza"])
    func damagedFilesAreRefused(damage: String) throws {
        let (scratch, _) = try Self.setUp(size: 3 * 65_536 + 100)
        var bytes = [UInt8](try scratch.read("file.age"))
        let macLine = try #require(bytes.indices.first { bytes[$0...].starts(with: Array("\n--- ".utf8)) })
        let headerEnd = try #require(bytes[(macLine + 1)...].firstIndex(of: 0x0A)) + 1
        let payload = headerEnd + 16
        var expected: Int32 = 13
        switch damage {
        case "flip-payload": bytes[payload + 70_000] ^= 0x01
        case "flip-last": bytes[bytes.count - 1] ^= 0x80
        case "truncate-chunk": bytes.removeLast(50)
        case "truncate-boundary": bytes.removeLast(bytes.count - (payload + 65_552))
        case "truncate-nonce": bytes.removeLast(bytes.count - (headerEnd + 5))
        case "append": bytes += [0x41]
        case "flip-header-mac": bytes[headerEnd - 3] ^= 0x01
        case "flip-stanza": bytes[30] = bytes[30] == 0x41 ? 0x42 : 0x41; expected = 12
        default: Issue.record("unknown damage \(damage)")
        }
        try scratch.write("damaged.age", Data(bytes))
        let before = try scratch.entries()
        let result = try scratch.kura("decrypt", "-i", "key.txt", "-o", "out", "damaged.age")
        #expect(result.status != 0)
        if damage == "flip-header-mac" {
            #expect(result.status == 13 || result.status == 14, "\(result.stderr)")
        } else {
            #expect(result.status == expected, "\(result.stderr)")
        }
        #expect(result.stderr.hasPrefix("kura: ") && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(try scratch.entries() == before, "no output or temporary file may remain")
    }

    @Test func malformedInputsExit14() throws {
        let scratch = try Scratch()
        _ = try scratch.kura("keygen", "-o", "key.txt")
        try scratch.write("text", "just some text\n")
        try scratch.write("v2", "age-encryption.org/v2\n")
        try scratch.write("armor", "-----BEGIN AGE ENCRYPTED FILE-----\nnot base64!\n-----END AGE ENCRYPTED FILE-----\n")
        try scratch.write("empty", "")
        for name in ["text", "v2", "armor", "empty"] {
            let result = try scratch.kura("decrypt", "-i", "key.txt", "-o", "out", name)
            #expect(result.status == 14, "\(name): \(result.stderr)")
            #expect(!scratch.exists("out"))
        }
    }

    @Test func outputIsNotOverwrittenWithoutForce() throws {
        let (scratch, recipient) = try Self.setUp()
        try scratch.write("existing", "keep me")
        let refused = try scratch.kura("encrypt", "-r", recipient, "-o", "existing", "plain")
        #expect(refused.status == 1)
        #expect(try scratch.read("existing") == Data("keep me".utf8))
        #expect(try scratch.kura("encrypt", "-r", recipient, "-o", "existing", "--force", "plain").status == 0)
        #expect(try scratch.kura("decrypt", "-i", "key.txt", "existing").stdout == scratch.read("plain"))
        let same = try scratch.kura("decrypt", "-i", "key.txt", "-o", "file.age", "--force", "file.age")
        #expect(same.status == 1)
    }

    @Test func usageErrorsExit2() throws {
        let (scratch, recipient) = try Self.setUp()
        #expect(try scratch.kura("encrypt", "plain").status == 2, "no recipient")
        #expect(try scratch.kura("encrypt", "-r", "age1notakey", "plain").status == 2, "bad recipient")
        #expect(try scratch.kura("encrypt", "-p", "-r", recipient, "plain").status == 2, "passphrase with recipient")
        #expect(try scratch.kura("decrypt", "file.age").status == 12, "no identity for a public-key file")
        try scratch.write("bad-key.txt", "AGE-SECRET-KEY-1QQQQ\n")
        #expect(try scratch.kura("decrypt", "-i", "bad-key.txt", "file.age").status == 2)
        let missing = try scratch.kura("decrypt", "-i", "key.txt", "no-such-file")
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no-such-file"))
    }

    @Test func identityFileErrorsDoNotLeakKeys() throws {
        let scratch = try Scratch()
        let canary = "AGE-SECRET-KEY-1CANARYCANARYCANARY"
        try scratch.write("bad-key.txt", "\(canary)\n")
        try scratch.write("x.age", "age-encryption.org/v1\n")
        let result = try scratch.kura("decrypt", "-i", "bad-key.txt", "x.age")
        #expect(result.status != 0)
        #expect(!result.stderr.contains("CANARY"))
    }

    /// A full disk gives a clear error and leaves neither output nor temporary file. /dev/full
    /// covers standard output; a 1 MiB tmpfs (where mounting is allowed, as root here) covers -o.
    @Test func fullDiskIsAClearErrorAndLosesNothing() throws {
        let (scratch, recipient) = try Self.setUp(size: 3_000_000)
        let toStdout = try scratch.shell("'\(Tools.kura)' encrypt -r \(recipient) plain > /dev/full")
        #expect(toStdout.status == 1)
        #expect(toStdout.stderr.contains("full"), "\(toStdout.stderr)")

        let mountPoint = scratch.path("small")
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        guard try scratch.shell("mount -t tmpfs -o size=1m kura-test '\(mountPoint)'").status == 0 else { return }
        defer { _ = try? scratch.shell("umount '\(mountPoint)'") }
        try scratch.write("small/existing", "keep")
        let toFile = try scratch.kura("encrypt", "-r", recipient, "-o", "small/out.age", "plain")
        #expect(toFile.status == 1)
        #expect(toFile.stderr.contains("full"), "\(toFile.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: mountPoint) == ["existing"])
    }
}
