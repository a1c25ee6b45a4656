/// Named immutable objects: what every repository backend (local directory, S3) offers.
///
/// Objects are written whole and atomically: a reader sees either no object or all of it,
/// never a partial write. Storage never sees plaintext; it moves bytes it cannot read.
public protocol StorageBackend: Sendable {
    /// Where the objects live, for messages (a path or a URL).
    var location: String { get }

    /// How many finished packs may still be storing while a writer fills the next one: 0 for
    /// storage where a write is a local copy, more where each write waits on a server.
    var overlappingWrites: Int { get }

    /// Creates the storage (folders or bucket prefix); succeeds if it already exists and is empty
    /// or is the same kind of storage.
    func create() async throws

    /// Whether storage exists at `location`.
    func exists() async throws -> Bool

    /// Stores `bytes` under `name`, atomically. Storing an existing name replaces it only for
    /// mutable kinds (locks); content-named objects are identical by construction.
    func put(_ name: ObjectName, bytes: [UInt8]) async throws

    /// The whole object.
    func get(_ name: ObjectName) async throws -> [UInt8]

    /// `length` bytes from `offset`; throws `shortRead` if the object is shorter.
    func get(_ name: ObjectName, offset: Int, length: Int) async throws -> [UInt8]

    /// Several byte ranges of one object (ascending, not overlapping), read with as few
    /// requests as pay (one open file; one GET across gaps under a MiB) and handed to
    /// `deliver` one at a time, in order, each as soon as it has arrived whole, with its
    /// position in `ranges`: a long stretch of a pack is never held at once. Throws
    /// `shortRead` if the object ends before the last range does.
    func get(_ name: ObjectName, ranges: [Range<Int>], deliver: (Int, [UInt8]) async throws -> Void) async throws

    /// Size of the object, or nil if it does not exist.
    func stat(_ name: ObjectName) async throws -> ObjectInfo?

    /// Every object of one kind (in no particular order).
    func list(_ kind: ObjectKind) async throws -> [ObjectInfo]

    /// Removes the object; removing a missing object is not an error.
    func delete(_ name: ObjectName) async throws

    /// Whether this storage refuses this client every delete and replacement (a `kura serve
    /// --append-only` host), so commands that delete can refuse before they write anything.
    func isAppendOnly() async throws -> Bool
}

extension StorageBackend {
    public var overlappingWrites: Int { 0 }
    public func isAppendOnly() async throws -> Bool { false }
}
