/// SFTP version 3's numbers (draft-ietf-secsh-filexfer-02, as OpenSSH's sftp-server speaks it).
enum SFTPMessage: UInt8 {
    case initialize = 1
    case version = 2
    case open = 3
    case close = 4
    case read = 5
    case write = 6
    case fstat = 8
    case opendir = 11
    case readdir = 12
    case remove = 13
    case mkdir = 14
    case stat = 17
    case rename = 18
    case status = 101
    case handle = 102
    case data = 103
    case name = 104
    case attributes = 105
    case extended = 200
    case extendedReply = 201
}

/// The open flags of SSH_FXP_OPEN.
struct SFTPOpenFlags: OptionSet {
    let rawValue: UInt32
    static let read = SFTPOpenFlags(rawValue: 0x01)
    static let write = SFTPOpenFlags(rawValue: 0x02)
    static let create = SFTPOpenFlags(rawValue: 0x08)
    static let truncate = SFTPOpenFlags(rawValue: 0x10)
    static let exclusive = SFTPOpenFlags(rawValue: 0x20)
}

/// An SSH_FXP_STATUS that is not OK: the server's code and its own message.
struct SFTPStatus: Error, Equatable {
    enum Code: UInt32 {
        case ok = 0, endOfFile = 1, noSuchFile = 2, permissionDenied = 3, failure = 4, badMessage = 5
        case noConnection = 6, connectionLost = 7, unsupported = 8
    }

    /// The code as sent (codes past 8 are kept as numbers).
    let code: UInt32
    let message: String

    var known: Code? { Code(rawValue: code) }

    /// The server's words, or the code's name when it sent none.
    var reason: String {
        if !message.isEmpty { return message }
        return known.map { "\($0)" } ?? "status \(code)"
    }
}

/// The attributes SFTP v3 carries (only those Kura reads or sets are kept).
struct SFTPAttributes: Equatable {
    var size: UInt64?
    var permissions: UInt32?
    var modified: UInt32?

    static let sizeFlag: UInt32 = 0x1, ownerFlag: UInt32 = 0x2, permissionsFlag: UInt32 = 0x4
    static let timesFlag: UInt32 = 0x8, extendedFlag: UInt32 = 0x8000_0000

    var isDirectory: Bool { permissions.map { $0 & 0o170000 == 0o040000 } ?? false }
    var isRegularFile: Bool { permissions.map { $0 & 0o170000 == 0o100000 } ?? false }

    func encode(into packet: inout PacketWriter) {
        var flags: UInt32 = 0
        if size != nil { flags |= Self.sizeFlag }
        if permissions != nil { flags |= Self.permissionsFlag }
        packet.uint32(flags)
        if let size { packet.uint64(size) }
        if let permissions { packet.uint32(permissions) }
    }

    static func decode(from reader: inout PacketReader) throws(PacketReader.Truncated) -> SFTPAttributes {
        let flags = try reader.uint32()
        var attributes = SFTPAttributes()
        if flags & sizeFlag != 0 { attributes.size = try reader.uint64() }
        if flags & ownerFlag != 0 { _ = try reader.take(8) }
        if flags & permissionsFlag != 0 { attributes.permissions = try reader.uint32() }
        if flags & timesFlag != 0 {
            _ = try reader.uint32()
            attributes.modified = try reader.uint32()
        }
        if flags & extendedFlag != 0 {
            for _ in 0..<(try reader.uint32()) {
                _ = try reader.data()
                _ = try reader.data()
            }
        }
        return attributes
    }
}

/// One entry of an SSH_FXP_NAME reply.
struct SFTPDirectoryEntry {
    let name: String
    let attributes: SFTPAttributes
}

/// What the server said about itself in SSH_FXP_VERSION: its OpenSSH extensions and limits.
struct SFTPServerFeatures {
    var extensions: [String: String] = [:]
    /// The largest READ and WRITE lengths to ask for.
    var readLength = 32 * 1024
    var writeLength = 32 * 1024

    static let posixRename = "posix-rename@openssh.com"
    static let fsync = "fsync@openssh.com"
    static let statvfs = "statvfs@openssh.com"
    static let limits = "limits@openssh.com"

    func offers(_ name: String) -> Bool { extensions[name] != nil }
}
