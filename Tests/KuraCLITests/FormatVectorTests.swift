import Foundation
import Testing

/// The committed format-v1 repository (Vectors/repository-v1) still opens, verifies and
/// restores to the documented contents.
@Suite struct FormatVectorTests {
    static let vector: String = {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("Vectors/repository-v1").path) {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("Vectors/repository-v1/repo").path
    }()

    static let expected = [
        "/tmp/vec/src/docs/readme.txt": "27cc490983da23ba60f38c8f42afa639f2d85da646a57ee315f7b8e6dd1abc26",
        "/tmp/vec/src/docs/random.bin": "f66d224b0703251159a8c024f41fb3f5bd0c2206de1691f9ed6d145b7379ce35",
        "/tmp/vec/src/docs/text.txt": "6f9afb64529e7407c02b3d11ca0ebdfa27c5f644397c39c0ce6fbc90d90718a6",
    ]

    @Test func formatV1RepositoryRestores() throws {
        let scratch = try Scratch()
        #expect(try scratch.shell("cp -r '\(Self.vector)' repo").status == 0)
        try scratch.write("pw", "kura vector password\n")
        let environment = ["KURA_REPOSITORY": scratch.path("repo"), "KURA_PASSWORD_FILE": scratch.path("pw")]
        #expect(try scratch.run(Tools.kura, ["check", "--read-data"], environment: environment).status == 0)
        let generations = try scratch.run(Tools.kura, ["generations"], environment: environment)
        #expect(generations.output.contains("vector@1"))
        let restore = try scratch.run(Tools.kura, ["restore", "vector@1", "--target", scratch.path("out"), "--verify"],
                                      environment: environment)
        #expect(restore.status == 0, "\(restore.stderr)")
        for (path, hash) in Self.expected {
            #expect(try TreeSnapshot.contentHash(Array((scratch.path("out") + path).utf8)) == hash, "\(path)")
        }
        let link = try FileManager.default.destinationOfSymbolicLink(atPath: scratch.path("out") + "/tmp/vec/src/docs/link")
        #expect(link == "readme.txt")
    }

    @Test func anyChangedByteIsDetected() throws {
        let scratch = try Scratch()
        #expect(try scratch.shell("cp -r '\(Self.vector)' repo && chmod -R u+w repo").status == 0)
        try scratch.write("pw", "kura vector password\n")
        let environment = ["KURA_REPOSITORY": scratch.path("repo"), "KURA_PASSWORD_FILE": scratch.path("pw")]
        let pack = try #require(FileManager.default.subpathsOfDirectory(atPath: scratch.path("repo/data"))
            .first { $0.count > 10 })
        let path = scratch.path("repo/data/" + pack)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count / 2] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(try scratch.run(Tools.kura, ["check", "--read-data"], environment: environment).status == 3)
    }
}
