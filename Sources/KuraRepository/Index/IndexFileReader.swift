/// Reads an index file's JSON as JSONEncoder.kura writes it, without Codable's per-value
/// cost: every command reads the whole index first, and decoding it with Foundation was a
/// sixth of an unchanged re-backup. Strict, like `StrictJSONScanner`: it returns nil for
/// anything it does not cover (an unknown, repeated or missing key among them), and the
/// caller decodes those with JSONDecoder.
struct IndexFileReader {
    private var json: StrictJSONScanner

    static func decode(_ bytes: [UInt8]) -> IndexFile? {
        var reader = IndexFileReader(json: StrictJSONScanner(bytes))
        return reader.indexFile()
    }

    private mutating func indexFile() -> IndexFile? {
        var packs: [IndexFile.Pack]?
        var version: Int?
        guard json.take("{") else { return nil }
        repeat {
            switch json.string() {
            case "packs"? where packs == nil && json.take(":"):
                guard let value = array(of: { $0.pack() }) else { return nil }
                packs = value
            case "version"? where version == nil && json.take(":"):
                guard let value = json.signed().flatMap({ Int(exactly: $0) }) else { return nil }
                version = value
            default:
                return nil
            }
        } while json.take(",")
        guard json.take("}"), json.atEnd, let packs, let version else { return nil }
        return IndexFile(version: version, packs: packs)
    }

    private mutating func pack() -> IndexFile.Pack? {
        var id: PackID?
        var blobs: [PackEntry]?
        guard json.take("{") else { return nil }
        repeat {
            switch json.string() {
            case "id"? where id == nil && json.take(":"):
                guard let value = json.string().flatMap({ PackID(hex: $0) }) else { return nil }
                id = value
            case "blobs"? where blobs == nil && json.take(":"):
                guard let value = array(of: { $0.entry() }) else { return nil }
                blobs = value
            default:
                return nil
            }
        } while json.take(",")
        guard json.take("}"), let id, let blobs else { return nil }
        return IndexFile.Pack(id: id, blobs: blobs)
    }

    private mutating func entry() -> PackEntry? {
        var id: BlobID?
        var type: BlobType?
        var offset, length, rawLength: Int?
        guard json.take("{") else { return nil }
        repeat {
            switch json.string() {
            case "id"? where id == nil && json.take(":"):
                guard let value = json.string().flatMap({ BlobID(hex: $0) }) else { return nil }
                id = value
            case "type"? where type == nil && json.take(":"):
                guard let value = json.unsigned().flatMap({ UInt8(exactly: $0) }).flatMap(BlobType.init(rawValue:))
                else { return nil }
                type = value
            case "offset"? where offset == nil && json.take(":"):
                guard let value = integer() else { return nil }
                offset = value
            case "length"? where length == nil && json.take(":"):
                guard let value = integer() else { return nil }
                length = value
            case "rawLength"? where rawLength == nil && json.take(":"):
                guard let value = integer() else { return nil }
                rawLength = value
            default:
                return nil
            }
        } while json.take(",")
        guard json.take("}"), let id, let type, let offset, let length, let rawLength else { return nil }
        return PackEntry(id: id, type: type, offset: offset, length: length, rawLength: rawLength)
    }

    private mutating func integer() -> Int? { json.signed().flatMap { Int(exactly: $0) } }

    /// A JSON array whose elements this reader parses with `element`.
    private mutating func array<T>(of element: (inout IndexFileReader) -> T?) -> [T]? {
        json.array { scanner in
            var reader = IndexFileReader(json: scanner)
            defer { scanner = reader.json }
            return element(&reader)
        }
    }
}
