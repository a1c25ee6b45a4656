import CZstd

/// Index files are compressed with zstd before they are sealed: their JSON is mostly hex IDs
/// and numbers, and shrinks to under half. Files written before 2026-11-25 hold plain JSON;
/// a zstd frame starts with its magic number and JSON with `{`, so both read alike.
enum IndexFileCompression {
    private static let magic: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD]
    /// An index file that would expand beyond this is refused as damaged (a hostile size must
    /// not make Kura allocate more).
    private static let largestExpanded = 1 << 30

    static func compress(_ json: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: ZSTD_compressBound(json.count))
        let size = out.withUnsafeMutableBytes { target in json.withUnsafeBytes { BlobCodec.compress($0, into: target) } }
        guard let size else { return json }   // stored plain; readers take either
        out.removeLast(out.count - size)
        return out
    }

    /// The JSON of a stored index file's plaintext; nil when it does not expand.
    static func expand(_ plain: [UInt8]) -> [UInt8]? {
        guard plain.starts(with: magic) else { return plain }
        let declared = plain.withUnsafeBytes { ZSTD_getFrameContentSize($0.baseAddress, $0.count) }
        guard declared != ZSTD_CONTENTSIZE_UNKNOWN, declared != ZSTD_CONTENTSIZE_ERROR,
              declared <= UInt64(largestExpanded) else { return nil }
        var out = [UInt8](repeating: 0, count: Int(declared))
        let size = out.withUnsafeMutableBytes { target in
            plain.withUnsafeBytes { ZSTD_decompress(target.baseAddress, target.count, $0.baseAddress, $0.count) }
        }
        guard ZSTD_isError(size) == 0, size == Int(declared) else { return nil }
        return out
    }
}
