/// A directory listing, stored as a tree blob: one node per entry, sorted by name.
public struct Tree: Codable, Sendable, Equatable {
    public var nodes: [Node]

    public init(nodes: [Node]) {
        self.nodes = nodes.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }
}

/// Seconds and nanoseconds since the epoch, exactly as stat(2) reports them.
public struct Timestamp: Codable, Sendable, Equatable, Hashable {
    public var seconds: Int64
    public var nanoseconds: Int32

    public init(seconds: Int64, nanoseconds: Int32) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }
}

/// One directory entry and its metadata.
public struct Node: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case file, directory, symlink, fifo, socket, characterDevice, blockDevice
    }

    /// The entry's name. Names that are not valid UTF-8 are stored in `rawName` (base64)
    /// and shown here with replacement characters.
    public var name: String
    public var rawName: String?
    public var kind: Kind
    /// Permission bits including setuid, setgid and sticky (st_mode & 0o7777).
    public var mode: UInt32
    public var uid: UInt32
    public var gid: UInt32
    public var user: String?
    public var group: String?
    public var mtime: Timestamp
    public var ctime: Timestamp
    public var size: Int64
    public var inode: UInt64
    public var device: UInt64
    public var links: UInt64
    /// Files: the data blobs of the content, in order.
    public var content: [BlobID]?
    /// Directories: the subtree.
    public var subtree: BlobID?
    /// Symlinks: the target (raw bytes in `rawLinkTarget` when not UTF-8).
    public var linkTarget: String?
    public var rawLinkTarget: String?
    /// Character and block devices: st_rdev.
    public var deviceNumber: UInt64?
    /// Extended attributes, name → base64 value.
    public var xattrs: [String: String]?
    /// Files with more than one link: "device:inode", shared by all names of the file.
    public var hardlinkKey: String?
    /// Files whose allocated blocks are fewer than their size needs (restored sparse).
    public var sparse: Bool?

    public init(name: String, rawName: String? = nil, kind: Kind, mode: UInt32, uid: UInt32, gid: UInt32,
                mtime: Timestamp, ctime: Timestamp, size: Int64, inode: UInt64, device: UInt64, links: UInt64) {
        self.name = name
        self.rawName = rawName
        self.kind = kind
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.mtime = mtime
        self.ctime = ctime
        self.size = size
        self.inode = inode
        self.device = device
        self.links = links
    }
}
