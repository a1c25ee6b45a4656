import Foundation

/// Writes a POSIX tar stream (ustar headers, pax extended headers where ustar cannot hold a
/// value: long or non-ASCII paths and link targets, sizes from 8 GiB, sub-second mtimes),
/// readable by GNU tar, bsdtar and Python's tarfile.
struct TarWriter {
    /// One entry's header fields.
    struct Header {
        enum Kind: UInt8 {
            case file = 0x30, hardLink = 0x31, symlink = 0x32, characterDevice = 0x33
            case blockDevice = 0x34, directory = 0x35, fifo = 0x36
        }

        var path: [UInt8]
        var kind: Kind
        var mode: UInt32
        var uid: UInt32
        var gid: UInt32
        var user: String?
        var group: String?
        var size: Int64 = 0
        var mtimeSeconds: Int64
        var mtimeNanoseconds: Int32
        var linkTarget: [UInt8] = []
        var deviceMajor: UInt32 = 0
        var deviceMinor: UInt32 = 0
    }

    private let sink: ([UInt8]) throws -> Void
    private var written: Int64 = 0

    init(sink: @escaping ([UInt8]) throws -> Void) { self.sink = sink }

    /// The header of an entry; a file's `size` bytes of content follow with `writeContent`,
    /// then `finishContent` pads them to a block.
    mutating func writeHeader(_ header: Header) throws {
        var pax: [(String, [UInt8])] = []
        let ustarPath = Self.splitForUstar(header.path)
        if ustarPath == nil { pax.append(("path", header.path)) }
        if header.linkTarget.count > 100 || !Self.isPortable(header.linkTarget) { pax.append(("linkpath", header.linkTarget)) }
        if header.size >= 0o77777777777 { pax.append(("size", Array(String(header.size).utf8))) }
        if header.mtimeNanoseconds != 0 || header.mtimeSeconds < 0 || header.mtimeSeconds >= 0o77777777777 {
            pax.append(("mtime", Array(Self.paxTime(header.mtimeSeconds, header.mtimeNanoseconds).utf8)))
        }
        if header.uid > 0o7777777 { pax.append(("uid", Array(String(header.uid).utf8))) }
        if header.gid > 0o7777777 { pax.append(("gid", Array(String(header.gid).utf8))) }
        for (key, value) in [("uname", header.user), ("gname", header.group)] {
            if let value, value.utf8.count > 31 || !Self.isPortable(Array(value.utf8)) { pax.append((key, Array(value.utf8))) }
        }
        if !pax.isEmpty {
            // Names that are not UTF-8 go in as their raw bytes; GNU tar and Python's tarfile
            // read them back unchanged (a `hdrcharset` record would only make GNU tar warn).
            let records = pax.flatMap { Self.paxRecord($0.0, $0.1) }
            var extended = Header(path: Array("PaxHeader".utf8), kind: .file, mode: 0o644, uid: 0, gid: 0,
                                  mtimeSeconds: max(0, min(header.mtimeSeconds, 0o77777777777)), mtimeNanoseconds: 0)
            extended.size = Int64(records.count)
            try emit(Self.ustarBlock(extended, name: (prefix: [], name: Array("PaxHeader".utf8)), typeflag: 0x78))
            try emit(records)
            try pad()
        }
        try emit(Self.ustarBlock(header, name: ustarPath ?? (prefix: [], name: Array(header.path.suffix(99))),
                                 typeflag: header.kind.rawValue))
    }

    mutating func writeContent(_ bytes: [UInt8]) throws { try emit(bytes) }

    mutating func finishContent() throws { try pad() }

    /// Two zero blocks end the archive.
    mutating func finish() throws { try emit([UInt8](repeating: 0, count: 1024)) }

    private mutating func emit(_ bytes: [UInt8]) throws {
        try sink(bytes)
        written += Int64(bytes.count)
    }

    private mutating func pad() throws {
        let remainder = Int(written % 512)
        if remainder != 0 { try emit([UInt8](repeating: 0, count: 512 - remainder)) }
    }

    /// The path as ustar's prefix (up to 155 bytes) and name (up to 100), split at a slash;
    /// nil when it does not fit or is not plain ASCII.
    static func splitForUstar(_ path: [UInt8]) -> (prefix: [UInt8], name: [UInt8])? {
        guard isPortable(path) else { return nil }
        if path.count <= 100 { return ([], path) }
        for index in path.indices.reversed() where path[index] == 0x2F {
            let prefix = Array(path[..<index]), name = Array(path[(index + 1)...])
            if prefix.count <= 155, name.count <= 100, !name.isEmpty { return (prefix, name) }
        }
        return nil
    }

    private static func isPortable(_ bytes: [UInt8]) -> Bool { bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F } }

    private static func paxTime(_ seconds: Int64, _ nanoseconds: Int32) -> String {
        nanoseconds == 0 ? String(seconds) : "\(seconds)." + String(format: "%09d", nanoseconds)
    }

    /// "LEN key=value\n", LEN counting the whole record, its own digits included.
    static func paxRecord(_ key: String, _ value: [UInt8]) -> [UInt8] {
        let body = Array(" \(key)=".utf8) + value + [0x0A]
        var length = body.count + 1
        while String(length).count + body.count != length { length = String(length).count + body.count }
        return Array(String(length).utf8) + body
    }

    private static func ustarBlock(_ header: Header, name: (prefix: [UInt8], name: [UInt8]), typeflag: UInt8) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ bytes: [UInt8], at offset: Int, width: Int) {
            for (index, byte) in bytes.prefix(width).enumerated() { block[offset + index] = byte }
        }
        func octal(_ value: Int64, at offset: Int, width: Int) {
            let limit = Int64(1) << (3 * (width - 1))
            let digits = String(value >= 0 && value < limit ? value : 0, radix: 8)
            put(Array((String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits).utf8), at: offset, width: width - 1)
        }
        put(name.name, at: 0, width: 100)
        octal(Int64(header.mode & 0o7777), at: 100, width: 8)
        octal(Int64(header.uid), at: 108, width: 8)
        octal(Int64(header.gid), at: 116, width: 8)
        octal(header.size, at: 124, width: 12)
        octal(header.mtimeSeconds, at: 136, width: 12)
        block[156] = typeflag
        put(header.linkTarget, at: 157, width: 100)
        put(Array("ustar\u{0}00".utf8), at: 257, width: 8)
        put(Array((header.user ?? "").utf8), at: 265, width: 31)
        put(Array((header.group ?? "").utf8), at: 297, width: 31)
        octal(Int64(header.deviceMajor), at: 329, width: 8)
        octal(Int64(header.deviceMinor), at: 337, width: 8)
        put(name.prefix, at: 345, width: 155)
        // The checksum is computed with its own field as eight spaces.
        for index in 148..<156 { block[index] = 0x20 }
        let sum = block.reduce(0) { $0 + Int($1) }
        put(Array((String(repeating: "0", count: 6 - String(sum, radix: 8).count) + String(sum, radix: 8)).utf8) + [0, 0x20],
            at: 148, width: 8)
        return block
    }
}
