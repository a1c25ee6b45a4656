import Foundation
@testable import KuraRepository
import Testing

/// The fast tree writer and reader must agree with Foundation byte for byte (the tree format
/// is JSONEncoder.kura's output), and leave to Foundation what they do not cover.
struct TreeJSONTests {
    static func blob(_ seed: UInt8) -> BlobID { BlobID(bytes: (0..<32).map { $0 &* 7 &+ seed }) }

    static func node(_ name: String, kind: Node.Kind = .file) -> Node {
        Node(name: name, kind: kind, mode: 0o644, uid: 1000, gid: 1000,
             mtime: Timestamp(seconds: 1_700_000_000, nanoseconds: 123_456_789),
             ctime: Timestamp(seconds: -5, nanoseconds: 0), size: 4096, inode: UInt64.max, device: 0, links: 1)
    }

    /// Trees covering every field, its absence, and boundary values.
    static var covered: [Tree] {
        var file = node("a file.txt")
        file.user = "alice"
        file.group = "staff"
        file.content = [blob(1), blob(2), blob(3)]
        file.hardlinkKey = "2049:12345"
        file.sparse = false
        file.links = 2
        var empty = node("empty")
        empty.content = []
        empty.size = 0
        empty.sparse = true
        var directory = node("dir/with~odd'chars", kind: .directory)
        directory.subtree = blob(9)
        directory.mode = 0o7777
        var link = node("link", kind: .symlink)
        link.linkTarget = "../target/path"
        var raw = node("bad?name", kind: .symlink)
        raw.rawName = "YmFk/25hbWU="
        raw.linkTarget = "x"
        raw.rawLinkTarget = "eA=="
        var device = node("sda", kind: .blockDevice)
        device.deviceNumber = 2049
        device.size = Int64.min
        device.uid = UInt32.max
        var fifo = node("pipe", kind: .fifo)
        fifo.mtime = Timestamp(seconds: Int64.max, nanoseconds: 999_999_999)
        let others = [Node.Kind.socket, .characterDevice].map { node("\($0.rawValue)", kind: $0) }
        return [Tree(nodes: []), Tree(nodes: [file]),
                Tree(nodes: [file, empty, directory, link, raw, device, fifo] + others)]
    }

    /// A field added to Node must be taught to TreeJSONWriter and TreeJSONReader (and given a
    /// value in `covered`): Foundation would write it and the fast writer would not.
    @Test func theFastCodecKnowsEveryNodeField() {
        let known: Set<String> = ["content", "ctime", "device", "deviceNumber", "gid", "group", "hardlinkKey", "inode", "kind",
                                  "linkTarget", "links", "mode", "mtime", "name", "rawLinkTarget", "rawName", "size", "sparse",
                                  "subtree", "uid", "user", "xattrs"]
        let fields = Set(Mirror(reflecting: Self.node("x")).children.compactMap(\.label))
        #expect(fields.subtracting(known).isEmpty, "new Node fields: \(fields.subtracting(known))")
        let tree = Set(Mirror(reflecting: Tree(nodes: [])).children.compactMap(\.label))
        #expect(tree == ["nodes"], "new Tree fields: \(tree)")
    }

    @Test(arguments: covered)
    func writerMatchesFoundationAndReaderReadsItBack(tree: Tree) throws {
        let foundation = Array(try JSONEncoder.kura.encode(tree))
        let fast = try #require(TreeJSONWriter.encode(tree))
        #expect(fast == foundation)
        #expect(TreeJSONReader.decode(fast) == tree)
        #expect(try JSONDecoder.kura.decode(Tree.self, from: Data(fast)) == tree)
    }

    @Test(arguments: ["é", "tab\there", "quote\"", "back\\slash", "del\u{7f}"])
    func writerLeavesOtherStringsToFoundation(name: String) {
        #expect(TreeJSONWriter.encode(Tree(nodes: [Self.node(name)])) == nil)
        var user = Self.node("plain")
        user.user = name
        #expect(TreeJSONWriter.encode(Tree(nodes: [user])) == nil)
    }

    @Test func writerLeavesExtendedAttributesToFoundation() {
        var node = Self.node("f")
        node.xattrs = ["user.a": "MQ=="]
        #expect(TreeJSONWriter.encode(Tree(nodes: [node])) == nil)
    }

    @Test(arguments: [
        " {\"nodes\":[]}", "{\"nodes\":[]} ", "{\"nodes\":[],\"extra\":1}", "{\"nodes\":[{}]}", "{\"nodes\":null}",
    ])
    func readerRejectsWhatItDoesNotCover(text: String) {
        #expect(TreeJSONReader.decode(Array(text.utf8)) == nil)
    }

    /// Variants of a valid node the reader must hand to Foundation (or reject like it).
    @Test func readerRejectsNodeVariants() throws {
        let valid = String(decoding: try #require(TreeJSONWriter.encode(Tree(nodes: [Self.node("x")]))), as: UTF8.self)
        #expect(TreeJSONReader.decode(Array(valid.utf8)) != nil)
        let variants = [
            valid.replacingOccurrences(of: "\"mode\":420", with: "\"mode\":420.0"),
            valid.replacingOccurrences(of: "\"mode\":420", with: "\"mode\":0420"),
            valid.replacingOccurrences(of: "\"mode\":420", with: "\"mode\":4e2"),
            valid.replacingOccurrences(of: "\"mode\":420", with: "\"mode\":-420"),
            valid.replacingOccurrences(of: "\"mode\":420", with: "\"mode\":4294967296"),
            valid.replacingOccurrences(of: "\"mode\":420", with: "\"mode\":420,\"mode\":420"),
            valid.replacingOccurrences(of: "\"mode\":420,", with: ""),
            valid.replacingOccurrences(of: "\"kind\":\"file\"", with: "\"kind\":\"other\""),
            valid.replacingOccurrences(of: "\"name\":\"x\"", with: "\"name\":\"\\u0078\""),
            valid.replacingOccurrences(of: "\"name\":\"x\"", with: "\"name\":\"x\",\"user\":null"),
            valid.replacingOccurrences(of: "\"name\":\"x\"", with: "\"name\":\"x\",\"subtree\":\"00\""),
        ]
        for variant in variants {
            #expect(variant != valid)
            #expect(TreeJSONReader.decode(Array(variant.utf8)) == nil, "\(variant)")
        }
    }
}
