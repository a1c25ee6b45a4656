/// Writes a tree blob's JSON byte for byte as `JSONEncoder.kura` does (keys sorted by their
/// UTF-8 bytes, optional fields left out when nil, slashes not escaped), without Codable's
/// per-value cost: encoding trees with Foundation was a fifth of an unchanged re-backup.
///
/// It covers the common case only and returns nil for the rest, which the caller encodes
/// with JSONEncoder: nodes with extended attributes (dictionary keys) and strings with a byte
/// that JSON would escape or that is not printable ASCII. The format is unchanged;
/// `TreeJSONTests` compares both encoders' bytes.
enum TreeJSONWriter {
    static func encode(_ tree: Tree) -> [UInt8]? {
        var writer = Output()
        writer.bytes.reserveCapacity(64 + tree.nodes.count * 420)
        writer.raw("{\"nodes\":[")
        for (index, node) in tree.nodes.enumerated() {
            if index > 0 { writer.byte(0x2C) }
            guard writer.node(node) else { return nil }
        }
        writer.raw("]}")
        return writer.bytes
    }

    private struct Output {
        var bytes: [UInt8] = []

        mutating func byte(_ value: UInt8) { bytes.append(value) }

        mutating func raw(_ text: StaticString) {
            text.withUTF8Buffer { bytes.append(contentsOf: $0) }
        }

        /// Keys in byte order; each call writes `,"key":` (without the comma for the first).
        mutating func key(_ name: StaticString, first: Bool = false) {
            if !first { byte(0x2C) }
            byte(0x22)
            raw(name)
            raw("\":")
        }

        /// False when the string needs JSON escapes or is not printable ASCII.
        mutating func string(_ text: String) -> Bool {
            byte(0x22)
            for unit in text.utf8 {
                guard unit >= 0x20, unit < 0x7F, unit != 0x22, unit != 0x5C else { return false }
                byte(unit)
            }
            byte(0x22)
            return true
        }

        /// Decimal digits, as JSONEncoder writes integers (a small String: no allocation).
        mutating func number(_ value: UInt64) { bytes.append(contentsOf: String(value).utf8) }

        mutating func number(_ value: Int64) { bytes.append(contentsOf: String(value).utf8) }

        mutating func timestamp(_ time: Timestamp) {
            raw("{\"nanoseconds\":")
            number(Int64(time.nanoseconds))
            raw(",\"seconds\":")
            number(time.seconds)
            byte(0x7D)
        }

        mutating func id(_ blob: BlobID) {
            byte(0x22)
            let digits: StaticString = "0123456789abcdef"
            digits.withUTF8Buffer { digits in
                for value in blob.bytes {
                    byte(digits[Int(value >> 4)])
                    byte(digits[Int(value & 15)])
                }
            }
            byte(0x22)
        }

        /// The node's keys in byte order: content, ctime, device, deviceNumber, gid, group,
        /// hardlinkKey, inode, kind, linkTarget, links, mode, mtime, name, rawLinkTarget,
        /// rawName, size, sparse, subtree, uid, user, xattrs.
        mutating func node(_ node: Node) -> Bool {
            guard node.xattrs == nil else { return false }
            byte(0x7B)
            var first = true
            if let content = node.content {
                key("content", first: true)
                first = false
                byte(0x5B)
                for (index, blob) in content.enumerated() {
                    if index > 0 { byte(0x2C) }
                    id(blob)
                }
                byte(0x5D)
            }
            key("ctime", first: first)
            timestamp(node.ctime)
            key("device")
            number(node.device)
            if let deviceNumber = node.deviceNumber { key("deviceNumber"); number(deviceNumber) }
            key("gid")
            number(UInt64(node.gid))
            if let group = node.group { key("group"); guard string(group) else { return false } }
            if let hardlinkKey = node.hardlinkKey { key("hardlinkKey"); guard string(hardlinkKey) else { return false } }
            key("inode")
            number(node.inode)
            key("kind")
            guard string(node.kind.rawValue) else { return false }
            if let linkTarget = node.linkTarget { key("linkTarget"); guard string(linkTarget) else { return false } }
            key("links")
            number(node.links)
            key("mode")
            number(UInt64(node.mode))
            key("mtime")
            timestamp(node.mtime)
            key("name")
            guard string(node.name) else { return false }
            if let rawLinkTarget = node.rawLinkTarget { key("rawLinkTarget"); guard string(rawLinkTarget) else { return false } }
            if let rawName = node.rawName { key("rawName"); guard string(rawName) else { return false } }
            key("size")
            number(node.size)
            if let sparse = node.sparse { key("sparse"); sparse ? raw("true") : raw("false") }
            if let subtree = node.subtree { key("subtree"); id(subtree) }
            key("uid")
            number(UInt64(node.uid))
            if let user = node.user { key("user"); guard string(user) else { return false } }
            byte(0x7D)
            return true
        }
    }
}
