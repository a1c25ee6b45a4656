import CLinux
import Foundation
@testable import KuraEngine
import KuraRepository
import Testing

/// The restore-side comparison against real files: a node taken from a file matches it, and
/// each kind of tampering with the file afterwards is named.
@Suite struct RestoredEntryCheckTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("kura-entry-check-\(UUID().uuidString)").path
    let scope = RestoredEntryCheck.Scope(owner: true, size: true, holes: false)

    init() throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    func node(_ name: String) throws -> Node {
        let path = RawPath(root + "/" + name)
        return try #require(NodeBuilder.node(name: Array(name.utf8), info: try FileSystem.lstat(path), path: path))
    }

    func differences(_ node: Node, _ name: String, scope: RestoredEntryCheck.Scope? = nil) -> [String] {
        RestoredEntryCheck.differences(node, at: RawPath(root + "/" + name), scope: scope ?? self.scope)
    }

    @Test("each tampering is named", arguments: ["mode", "mtime", "xattr-value", "xattr-extra", "xattr-missing",
                                                 "size", "type", "owner", "missing"])
    func tamperingIsDetected(_ change: String) throws {
        defer { try? TreeRemover.remove(root) }
        let file = root + "/f"
        try Data("restored contents\n".utf8).write(to: URL(fileURLWithPath: file))
        chmod(file, 0o640)
        #expect(setxattr(file, "user.kept", "v1", 2, 0) == 0)
        let original = try node("f")
        #expect(differences(original, "f").isEmpty, "\(differences(original, "f"))")

        let expected: String
        switch change {
        case "mode": chmod(file, 0o644); expected = "mode is 644"
        case "mtime":
            var times = [timespec(tv_sec: 1_000_000_000, tv_nsec: 5), timespec(tv_sec: 1_000_000_000, tv_nsec: 5)]
            utimensat(AT_FDCWD, file, &times, 0)
            expected = "mtime is 1000000000.5"
        case "xattr-value": setxattr(file, "user.kept", "v2", 2, 0); expected = "xattr user.kept has another value"
        case "xattr-extra": setxattr(file, "user.added", "x", 1, 0); expected = "xattr user.added is not in the generation"
        case "xattr-missing": removexattr(file, "user.kept"); expected = "xattr user.kept is missing"
        case "size": truncate(file, 3); expected = "size is 3"
        case "type": unlink(file); mkdir(file, 0o640); expected = "is a directory"
        case "owner": chown(file, 4321, 4321); expected = "owner is 4321:4321"
        case "missing": unlink(file); expected = "missing"
        default: Issue.record("unknown change"); return
        }
        if change == "owner", geteuid() != 0 { return }
        let found = differences(original, "f")
        #expect(found.contains { $0.hasPrefix(expected) }, "\(change): \(found)")
    }

    @Test func symlinkTargetsAndPlaceholdersAndHoles() throws {
        defer { try? TreeRemover.remove(root) }
        symlink("target-a", root + "/link")
        var link = try node("link")
        link.linkTarget = "target-a"  // backup reads the target; NodeBuilder takes only stat
        #expect(differences(link, "link").isEmpty)
        unlink(root + "/link")
        symlink("target-b", root + "/link")
        #expect(differences(link, "link").contains("symlink target differs"))

        // A sparse file restored dense is named where the file system keeps holes.
        let sparse = root + "/sparse"
        _ = FileManager.default.createFile(atPath: sparse, contents: nil)
        truncate(sparse, 8 * 1024 * 1024)
        var sparseNode = try node("sparse")
        #expect(sparseNode.sparse == true || !RestoredEntryCheck.fileSystemKeepsHoles(in: root))
        let holes = RestoredEntryCheck.Scope(owner: false, size: true, holes: RestoredEntryCheck.fileSystemKeepsHoles(in: root))
        #expect(differences(sparseNode, "sparse", scope: holes).isEmpty)
        try Data(count: 8 * 1024 * 1024).write(to: URL(fileURLWithPath: sparse))
        var times = [sparseNode.mtime.timespec, sparseNode.mtime.timespec]
        utimensat(AT_FDCWD, sparse, &times, 0)
        if holes.holes {
            #expect(differences(sparseNode, "sparse", scope: holes) == ["restored without holes, the generation's file is sparse"])
        }

        // A placeholder (restored without contents) is not held to the size.
        sparseNode.size = 12345
        #expect(differences(sparseNode, "sparse", scope: .init(owner: false, size: false, holes: holes.holes)).isEmpty)
    }

    @Test func removesReadOnlyTreesWithOddNames() throws {
        let top = root + "/t"
        mkdir(top, 0o700)
        let odd = RawPath(Array(top.utf8) + [0x2F, 0x62, 0xFF, 0x78])
        _ = odd.withCString { mkdir($0, 0o700) }
        let inner = odd.appending(Array("file".utf8))
        _ = inner.withCString { creat($0, 0o400) }
        _ = odd.withCString { chmod($0, 0o500) }
        chmod(top, 0o500)
        try TreeRemover.remove(root)
        #expect(!FileManager.default.fileExists(atPath: root))
        try TreeRemover.remove(root)
    }
}
