/// Where each blob lives: the union of all index files, in memory.
public struct RepositoryIndex: Sendable {
    public struct Location: Sendable, Hashable {
        public let pack: PackID
        public let entry: PackEntry
    }

    private(set) var locations: [BlobID: Location] = [:]
    public private(set) var packs: [PackID: [PackEntry]] = [:]

    public init() {}

    public func location(of id: BlobID) -> Location? { locations[id] }
    public func contains(_ id: BlobID) -> Bool { locations[id] != nil }
    public var blobCount: Int { locations.count }

    mutating func add(pack: PackID, entries: [PackEntry]) {
        packs[pack, default: []] += entries
        for entry in entries where locations[entry.id] == nil {
            locations[entry.id] = Location(pack: pack, entry: entry)
        }
    }
}

/// One index file's contents: the packs a writer added and what is in them.
struct IndexFile: Codable {
    var version: Int = 1
    var packs: [Pack]

    struct Pack: Codable {
        var id: PackID
        var blobs: [PackEntry]
    }
}
