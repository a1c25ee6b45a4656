import KuraRepository

extension Node {
    /// The entry's name as restore and verification show it in paths (bytes that are not
    /// UTF-8 as U+FFFD), so a path chosen from a tree walk matches the restore's.
    public var pathName: String { String(decoding: NodeBuilder.nameBytes(self), as: UTF8.self) }
}
