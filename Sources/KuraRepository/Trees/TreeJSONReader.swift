/// Reads the tree JSON that `TreeJSONWriter` writes (compact, no escapes, printable ASCII
/// strings, no extended attributes) without Codable's per-value cost: decoding the parent
/// generation's trees with Foundation was over a quarter of an unchanged re-backup.
///
/// It is strict and returns nil for anything else (whitespace, escapes, null, an unknown,
/// repeated or missing key, a number out of range), which the caller then decodes with
/// JSONDecoder; so it never accepts a tree JSONDecoder would reject or read it differently.
struct TreeJSONReader {
    private var json: StrictJSONScanner

    static func decode(_ bytes: [UInt8]) -> Tree? {
        var reader = TreeJSONReader(json: StrictJSONScanner(bytes))
        return reader.tree()
    }

    private mutating func tree() -> Tree? {
        guard json.take("{\"nodes\":[") else { return nil }
        var nodes: [Node] = []
        if !json.take("]") {
            repeat {
                guard let node = node() else { return nil }
                nodes.append(node)
            } while json.take(",")
            guard json.take("]") else { return nil }
        }
        guard json.take("}"), json.atEnd else { return nil }
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
        guard json.take("{") else { return nil }
        var fields = Fields()
        if json.take("}") { return nil }
        repeat {
            guard let key = json.string(), json.take(":"), field(key, into: &fields) else { return nil }
        } while json.take(",")
        guard json.take("}"), let name = fields.name, let kindName = fields.kind, let kind = Node.Kind(rawValue: kindName),
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
        case "name": return once(&fields.name, json.string())
        case "rawName": return once(&fields.rawName, json.string())
        case "kind": return once(&fields.kind, json.string())
        case "user": return once(&fields.user, json.string())
        case "group": return once(&fields.group, json.string())
        case "linkTarget": return once(&fields.linkTarget, json.string())
        case "rawLinkTarget": return once(&fields.rawLinkTarget, json.string())
        case "hardlinkKey": return once(&fields.hardlinkKey, json.string())
        case "mode": return once(&fields.mode, json.unsigned().flatMap { UInt32(exactly: $0) })
        case "uid": return once(&fields.uid, json.unsigned().flatMap { UInt32(exactly: $0) })
        case "gid": return once(&fields.gid, json.unsigned().flatMap { UInt32(exactly: $0) })
        case "mtime": return once(&fields.mtime, timestamp())
        case "ctime": return once(&fields.ctime, timestamp())
        case "size": return once(&fields.size, json.signed())
        case "inode": return once(&fields.inode, json.unsigned())
        case "device": return once(&fields.device, json.unsigned())
        case "links": return once(&fields.links, json.unsigned())
        case "deviceNumber": return once(&fields.deviceNumber, json.unsigned())
        case "content": return once(&fields.content, ids())
        case "subtree": return once(&fields.subtree, id())
        case "sparse": return once(&fields.sparse, json.boolean())
        default: return false
        }
    }

    // MARK: Values

    private mutating func timestamp() -> Timestamp? {
        var seconds: Int64?
        var nanoseconds: Int32?
        guard json.take("{") else { return nil }
        repeat {
            switch json.string() {
            case "seconds"? where seconds == nil && json.take(":"):
                guard let value = json.signed() else { return nil }
                seconds = value
            case "nanoseconds"? where nanoseconds == nil && json.take(":"):
                guard let value = json.signed().flatMap({ Int32(exactly: $0) }) else { return nil }
                nanoseconds = value
            default:
                return nil
            }
        } while json.take(",")
        guard json.take("}"), let seconds, let nanoseconds else { return nil }
        return Timestamp(seconds: seconds, nanoseconds: nanoseconds)
    }

    private mutating func ids() -> [BlobID]? { json.array { $0.string().flatMap { BlobID(hex: $0) } } }

    private mutating func id() -> BlobID? { json.string().flatMap { BlobID(hex: $0) } }
}
