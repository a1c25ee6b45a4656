import Foundation
import Testing

/// A 1 GiB stream encrypts and decrypts with the real binary in bounded memory.
@Suite struct StreamingMemoryTests {
    @Test func oneGiBInUnder64MiB() throws {
        let time = "/usr/bin/time"
        try #require(FileManager.default.isExecutableFile(atPath: time), "GNU time is missing: run Scripts/test.sh")
        let scratch = try Scratch()
        let recipient = try scratch.kura("keygen", "-o", "key.txt").output.trimmingCharacters(in: .whitespacesAndNewlines)
        let kura = Tools.kura
        let pipeline = """
            set -e
            head -c 1073741824 /dev/zero | sha256sum > expected
            head -c 1073741824 /dev/zero \
              | \(time) -f %M -o rss-encrypt \(kura) encrypt -r \(recipient) \
              | \(time) -f %M -o rss-decrypt \(kura) decrypt -i key.txt \
              | sha256sum > actual
            """
        let result = try scratch.shell(pipeline)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try scratch.read("expected") == scratch.read("actual"), "the 1 GiB round trip must be exact")
        for phase in ["rss-encrypt", "rss-decrypt"] {
            let text = String(decoding: try scratch.read(phase), as: UTF8.self)
            let kibibytes = try #require(Int(text.split(separator: "\n").last ?? ""), "\(phase): \(text)")
            #expect(kibibytes < 64 * 1024, "\(phase) peaked at \(kibibytes) KiB")
        }
    }
}
