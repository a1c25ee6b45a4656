/// Reads the tree JSON that `TreeJSONWriter` writes (compact, no escapes, printable ASCII
/// strings, no extended attributes) without Codable's per-value cost: decoding the parent
/// generation's trees with Foundation was over a quarter of an unchanged re-backup.
///
/// It is strict and returns nil for anything else (whitespace, escapes, null, an unknown,
/// repeated or missing key, a number out of range), which the caller then decodes with
/// JSONDecoder; so it never accepts a tree JSONDecoder would reject or read it differently.
struct TreeJSONReader {
    private let bytes: [UInt8]
    private var position = 0

    static func decode(_ bytes: [UInt8]) -> Tree? {
        var reader = TreeJSONReader(bytes: bytes)
        return reader.tree()
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private mutating func tree() -> Tree? {
        guard take("{\"nodes\":[") else { return nil }
        var nodes: [Node] = []
        if !take("]") {
            repeat {
                guard let node = node() else { return nil }
                nodes.append(node)
            } while take(",")
            guard take("]") else { return nil }
        }
        guard take("}"), position == bytes.count else { return nil }
        var tree = Tree(nodes: [])
        tree.nodes = nodes   // as stored: Tree(nodes:) would sort them, Codable does not
        return tree
    }

    // MARK: Nodes

    /// The fields of one node object, in any order, each at most once.
    private struct Fields {
        var name, rawName, kind, user, group, linkTarget, rawLinkTarget, hardlinkKey: String?
        var mode, uid, gid: UInt32?
        var mtime, ctime: Timestamp?
        var size: Int64?
        var inode, device, links, deviceNumber: UInt64?
        var content: [BlobID]?
        var subtree: BlobID?
        var sparse: Bool?
    }

    private mutating func node() -> Node? {
        guard take("{") else { return nil }
        var fields = Fields()
        if take("}") { return nil }
        repeat {
            guard let key = string(), take(":"), field(key, into: &fields) else { return nil }
        } while take(",")
        guard take("}"), let name = fields.name, let kindName = fields.kind, let kind = Node.Kind(rawValue: kindName),
              let mode = fields.mode, let uid = fields.uid, let gid = fields.gid, let mtime = fields.mtime,
              let ctime = fields.ctime, let size = fields.size, let inode = fields.inode, let device = fields.device,
              let links = fields.links else { return nil }
        var node = Node(name: name, rawName: fields.rawName, kind: kind, mode: mode, uid: uid, gid: gid, mtime: mtime,
                        ctime: ctime, size: size, inode: inode, device: device, links: links)
        node.user = fields.user
        node.group = fields.group
        node.content = fields.content
        node.subtree = fields.subtree
        node.linkTarget = fields.linkTarget
        node.rawLinkTarget = fields.rawLinkTarget
        node.deviceNumber = fields.deviceNumber
        node.hardlinkKey = fields.hardlinkKey
        node.sparse = fields.sparse
        return node
    }

    /// Reads one field's value; false for an unknown or repeated key or a bad value.
    private mutating func field(_ key: String, into fields: inout Fields) -> Bool {
        func once<T>(_ slot: inout T?, _ value: T?) -> Bool {
            guard slot == nil, let value else { return false }
            slot = value
            return true
        }
        switch key {
        case "name": return once(&fields.name, string())
        case "rawName": return once(&fields.rawName, string())
        case "kind": return once(&fields.kind, string())
        case "user": return once(&fields.user, string())
        case "group": return once(&fields.group, string())
        case "linkTarget": return once(&fields.linkTarget, string())
        case "rawLinkTarget": return once(&fields.rawLinkTarget, string())
        case "hardlinkKey": return once(&fields.hardlinkKey, string())
        case "mode": return once(&fields.mode, unsigned().flatMap { UInt32(exactly: $0) })
        case "uid": return once(&fields.uid, unsigned().flatMap { UInt32(exactly: $0) })
        case "gid": return once(&fields.gid, unsigned().flatMap { UInt32(exactly: $0) })
        case "mtime": return once(&fields.mtime, timestamp())
        case "ctime": return once(&fields.ctime, timestamp())
        case "size": return once(&fields.size, signed())
        case "inode": return once(&fields.inode, unsigned())
        case "device": return once(&fields.device, unsigned())
        case "links": return once(&fields.links, unsigned())
        case "deviceNumber": return once(&fields.deviceNumber, unsigned())
        case "content": return once(&fields.content, ids())
        case "subtree": return once(&fields.subtree, id())
        case "sparse": return once(&fields.sparse, boolean())
        default: return false
        }
    }

    // MARK: Values

    private mutating func timestamp() -> Timestamp? {
        var seconds: Int64?
        var nanoseconds: Int32?
        guard take("{") else { return nil }
        repeat {
            switch string() {
            case "seconds"? where seconds == nil && take(":"):
                seconds = signed()
            case "nanoseconds"? where nanoseconds == nil && take(":"):
                nanoseconds = signed().flatMap { Int32(exactly: $0) }
            default:
                return nil
            }
        } while take(",")
        guard take("}"), let seconds, let nanoseconds else { return nil }
        return Timestamp(seconds: seconds, nanoseconds: nanoseconds)
    }

    private mutating func ids() -> [BlobID]? {
        guard take("[") else { return nil }
        var result: [BlobID] = []
        if take("]") { return result }
        repeat {
            guard let blob = id() else { return nil }
            result.append(blob)
        } while take(",")
        return take("]") ? result : nil
    }

    private mutating func id() -> BlobID? { string().flatMap { BlobID(hex: $0) } }

    private mutating func boolean() -> Bool? {
        if take("true") { return true }
        if take("false") { return false }
        return nil
    }

    /// A string of printable ASCII without escapes.
    private mutating func string() -> String? {
        guard take("\"") else { return nil }
        let start = position
        while position < bytes.count, bytes[position] != 0x22 {
            let unit = bytes[position]
            guard unit >= 0x20, unit < 0x7F, unit != 0x5C else { return nil }
            position += 1
        }
        guard position < bytes.count else { return nil }
        defer { position += 1 }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    /// Digits with no sign, no leading zero (except 0 itself), fraction or exponent.
    private mutating func unsigned() -> UInt64? {
        let start = position
        var value: UInt64 = 0
        while position < bytes.count, (0x30...0x39).contains(bytes[position]) {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(bytes[position] - 0x30))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
            position += 1
        }
        let count = position - start
        guard count > 0, count == 1 || bytes[start] != 0x30, !endsNumberBadly() else { return nil }
        return value
    }

    private mutating func signed() -> Int64? {
        if take("-") {
            guard let magnitude = unsigned(), magnitude > 0, magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        return unsigned().flatMap { Int64(exactly: $0) }
    }

    /// A fraction or exponent after the digits: left to JSONDecoder.
    private func endsNumberBadly() -> Bool {
        position < bytes.count && [0x2E, 0x65, 0x45].contains(bytes[position])
    }

    /// Consumes `literal` if the bytes continue with it.
    private mutating func take(_ literal: StaticString) -> Bool {
        literal.withUTF8Buffer { expected in
            guard bytes.count - position >= expected.count else { return false }
            for index in 0..<expected.count where bytes[position + index] != expected[index] { return false }
            position += expected.count
            return true
        }
    }
}
