import CZlib
import Foundation
import KuraCrypto
import Testing

/// One file of the age test kit: `key: value` header lines, a blank line, then the age file
/// (zlib-compressed when the header says so).
struct TestkitFile: Sendable, CustomTestStringConvertible {
    let name: String
    let headers: [(key: String, value: String)]
    let body: [UInt8]

    var testDescription: String { name }

    func values(_ key: String) -> [String] { headers.filter { $0.key == key }.map(\.value) }
    func value(_ key: String) -> String? { values(key).first }

    init(name: String, contents: [UInt8]) {
        self.name = name
        var headers: [(String, String)] = []
        var position = 0
        while let newline = contents[position...].firstIndex(of: 0x0A), newline > position {
            let line = String(decoding: contents[position..<newline], as: UTF8.self)
            if let colon = line.firstIndex(of: ":") {
                headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
            position = newline + 1
        }
        self.headers = headers
        let raw = Array(contents[min(position + 1, contents.count)...])
        self.body = headers.contains { $0.0 == "compressed" } ? Self.inflate(raw) : raw
    }

    private static func inflate(_ input: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var input = input
        var chunk = [UInt8](repeating: 0, count: 65_536)
        input.withUnsafeMutableBufferPointer { source in
            stream.next_in = source.baseAddress
            stream.avail_in = UInt32(source.count)
            var status: Int32 = Z_OK
            repeat {
                chunk.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress
                    stream.avail_out = UInt32(target.count)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    output += target[..<(target.count - Int(stream.avail_out))]
                }
            } while status == Z_OK
        }
        return output
    }

    static func load(folder: String) -> [TestkitFile] {
        let directory = TestData.vectorsDirectory.appendingPathComponent(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { !$0.hasSuffix(".md") }.sorted().compactMap { name in
            (try? Data(contentsOf: directory.appendingPathComponent(name))).map {
                TestkitFile(name: "\(folder)/\(name)", contents: [UInt8]($0))
            }
        }
    }
}

/// Runs every vector of the age test kit (C2SP CCTV) and Kura's own kura-argon2id vectors:
/// each file's `expect:` decides whether decryption must succeed (with the right plaintext
/// hash) or fail, and with which kind of failure.
struct AgeTestkitTests {
    /// The kit's post-quantum hybrid files (`AGE-SECRET-KEY-PQ-` identities) are left out: Kura
    /// does not implement mlkem768x25519, so their expectations cannot apply (Vectors/README.md).
    static let files = (TestkitFile.load(folder: "age-testkit") + TestkitFile.load(folder: "kura-argon2id"))
        .filter { file in !file.values("identity").contains { $0.hasPrefix("AGE-SECRET-KEY-PQ-") } }

    @Test func testkitIsPresent() {
        #expect(Self.files.count > 100)
    }

    @Test("age test kit", arguments: files)
    func vector(file: TestkitFile) throws {
        let expect = try #require(file.value("expect"), "\(file.name) has no expect: line")
        var identities: [any AgeIdentity] = []
        for text in file.values("identity") {
            if let identity = try? X25519Identity(parsing: text) { identities.append(identity) }
        }
        for passphrase in file.values("passphrase") {
            identities.append(PassphraseIdentity(passphrase: .bytes(Array(passphrase.utf8))))
        }
        let sink = MemorySink()
        do {
            let decryptor = try AgeDecryptor(source: MemorySource(file.body))
            #expect(decryptor.isArmored == (file.value("armored") == "yes") || expect != "success")
            try decryptor.decrypt(with: identities, to: sink)
        } catch let error as AgeError {
            #expect(Self.kinds(for: expect).contains(error.kind), "\(file.name): expected \(expect), got \(error)")
            // The kit's `payload` for a payload failure hashes what age streams out before the
            // error. Kura may hold back authenticated chunks until it knows where the stream ends
            // (and `kura decrypt` deletes partial output), so that hash is not compared.
            return
        } catch let error as CryptoError {
            Issue.record("\(file.name): expected \(expect), got crypto error \(error)")
            return
        }
        #expect(expect == "success", "\(file.name): decrypted although it expects \(expect)")
        if let payload = file.value("payload") {
            #expect(SHA256.hash(sink.bytes).hex == payload, "\(file.name): wrong plaintext")
        }
    }

    static func kinds(for expectation: String) -> Set<AgeError.Kind> {
        switch expectation {
        case "header failure", "HMAC failure": [.header]
        case "payload failure": [.payload]
        case "no match": [.noMatch]
        case "armor failure": [.armor]
        default: []
        }
    }
}
