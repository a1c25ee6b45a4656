import KuraCrypto
import KuraRepository

extension Node {
    /// The entry's name as restore and verification show it in paths (bytes that are not
    /// UTF-8 as U+FFFD), so a path chosen from a tree walk matches the restore's.
    public var pathName: String { String(decoding: NodeBuilder.nameBytes(self), as: UTF8.self) }

    /// The raw bytes of the entry's name (`rawName` when it is not UTF-8).
    public var nameBytes: [UInt8] { NodeBuilder.nameBytes(self) }

    /// A symlink's target as raw bytes (`rawLinkTarget` when it is not UTF-8).
    public var linkTargetBytes: [UInt8] {
        rawLinkTarget.flatMap { Base64.decodeCanonicalPadded($0) } ?? Array((linkTarget ?? "").utf8)
    }
}
