import Foundation

/// The kinds of object a repository stores; each lives in its own namespace (a folder on
/// disk, a key prefix on S3).
public enum ObjectKind: String, CaseIterable, Sendable {
    case config
    case keys
    case data
    case index
    case generations
    case locks
    case audit
    case drills
    case epochs
}

/// The name of one immutable object: its kind and a name within that kind (for
/// content-named objects, the hex of its ID).
public struct ObjectName: Hashable, Sendable, CustomStringConvertible {
    public let kind: ObjectKind
    public let name: String

    /// - Precondition: `name` is non-empty and uses only `[A-Za-z0-9._-]`, so it is a safe
    ///   file name and S3 key on every backend.
    public init(_ kind: ObjectKind, _ name: String) throws(StorageError) {
        guard Self.isValid(name) else { throw .invalidName(name) }
        self.kind = kind
        self.name = name
    }

    static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 200 && !name.hasPrefix(".")
            && name.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
            }
    }

    public var description: String { "\(kind.rawValue)/\(name)" }
}

/// What a listing or stat says about an object.
public struct ObjectInfo: Hashable, Sendable {
    public let name: ObjectName
    public let size: Int
    /// When the object was last written, as the storage says (listings give it; nil where
    /// the storage does not tell). Lets a lock that cannot be read still age.
    public let modified: Date?

    public init(name: ObjectName, size: Int, modified: Date? = nil) {
        self.name = name
        self.size = size
        self.modified = modified
    }
}
