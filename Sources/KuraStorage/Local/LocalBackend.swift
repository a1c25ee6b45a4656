import Foundation

/// A repository in a local directory: one folder per object kind, data packs spread over
/// 256 subfolders by the first two characters of their name.
///
/// Writes go to a temporary file in the destination folder, are fsynced, renamed into place
/// and the folder is fsynced, so a crash leaves either the whole object or none. Finished
/// objects are made read-only (0400).
public struct LocalBackend: StorageBackend {
    public let root: String
    public var location: String { root }

    /// - Parameter path: the repository folder; a relative path is taken from the current directory.
    public init(path: String) {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        root = absolute.count > 1 && absolute.hasSuffix("/") ? String(absolute.dropLast()) : absolute
    }

    func directory(for kind: ObjectKind, name: String? = nil) -> String {
        guard kind == .data, let name else { return "\(root)/\(kind.rawValue)" }
        return "\(root)/\(kind.rawValue)/\(name.prefix(2))"
    }

    func path(of name: ObjectName) -> String {
        "\(directory(for: name.kind, name: name.name))/\(name.name)"
    }

    public func create() async throws {
        if LocalFiles.isDirectory(root) {
            // A freshly made file system's root holds lost+found: still an empty disk.
            let expected = Set(ObjectKind.allCases.map(\.rawValue) + ["lost+found"])
            guard try LocalFiles.entries(root).allSatisfy(expected.contains) else {
                throw StorageError.locationNotEmpty(root)
            }
        }
        try LocalFiles.makeDirectories(root)
        for kind in ObjectKind.allCases {
            try LocalFiles.makeDirectory(directory(for: kind))
        }
        for prefix in 0..<256 {
            try LocalFiles.makeDirectory("\(root)/data/\(String(format: "%02x", prefix))")
        }
        try LocalFiles.syncDirectory(root)
    }

    public func exists() async throws -> Bool {
        LocalFiles.isDirectory(root) && LocalFiles.isDirectory("\(root)/\(ObjectKind.keys.rawValue)")
    }

    public func put(_ name: ObjectName, bytes: [UInt8]) async throws {
        try requireRoot()
        let folder = directory(for: name.kind, name: name.name)
        if !LocalFiles.isDirectory(folder) { try LocalFiles.makeDirectory(folder) }
        try LocalFiles.writeAtomically(bytes, to: path(of: name), readOnly: name.kind != .locks)
    }

    /// Stores `bytes` under `name` unless an object of that name exists, atomically and never
    /// replacing one (link(2) where `put` renames); false, with nothing written, if one does.
    /// `kura serve --append-only` writes with it, so no race replaces an object.
    public func putNew(_ name: ObjectName, bytes: [UInt8]) async throws -> Bool {
        try requireRoot()
        let folder = directory(for: name.kind, name: name.name)
        if !LocalFiles.isDirectory(folder) { try LocalFiles.makeDirectory(folder) }
        return try LocalFiles.writeAtomically(bytes, to: path(of: name), readOnly: name.kind != .locks, replacing: false)
    }

    public func get(_ name: ObjectName) async throws -> [UInt8] {
        try requireRoot()
        return try LocalFiles.read(path(of: name), object: name)
    }

    public func get(_ name: ObjectName, offset: Int, length: Int) async throws -> [UInt8] {
        try requireRoot()
        return try LocalFiles.read(path(of: name), object: name, offset: offset, length: length)
    }

    public func get(_ name: ObjectName, ranges: [Range<Int>], deliver: (Int, [UInt8]) async throws -> Void) async throws {
        try requireRoot()
        let file = try LocalFiles.OpenFile(path(of: name), object: name)
        defer { file.close() }
        for (position, range) in ranges.enumerated() {
            try await deliver(position, try file.read(offset: range.lowerBound, length: range.count))
        }
    }

    public func stat(_ name: ObjectName) async throws -> ObjectInfo? {
        try requireRoot()
        return LocalFiles.sizeAndTime(path(of: name)).map { ObjectInfo(name: name, size: $0.size, modified: $0.modified) }
    }

    public func list(_ kind: ObjectKind) async throws -> [ObjectInfo] {
        try requireRoot()
        // A kind's folder may be missing in a repository copied by a tool that drops empty
        // folders (git, some sync tools): that is an empty listing, not an error.
        guard LocalFiles.isDirectory(directory(for: kind)) else { return [] }
        let folders = kind == .data
            ? try LocalFiles.entries(directory(for: .data)).map { "\(directory(for: .data))/\($0)" }
                .filter(LocalFiles.isDirectory)
            : [directory(for: kind)]
        var result: [ObjectInfo] = []
        for folder in folders {
            for entry in try LocalFiles.entries(folder) {
                guard ObjectName.isValid(entry) else {
                    LocalFiles.removeIfAbandonedTemporary("\(folder)/\(entry)")
                    continue
                }
                if let (size, modified) = LocalFiles.sizeAndTime("\(folder)/\(entry)") {
                    result.append(ObjectInfo(name: try ObjectName(kind, entry), size: size, modified: modified))
                }
            }
        }
        return result
    }

    public func delete(_ name: ObjectName) async throws {
        try requireRoot()
        try LocalFiles.remove(path(of: name))
    }

    private func requireRoot() throws {
        guard LocalFiles.isDirectory(root) else { throw StorageError.locationMissing(root) }
    }
}
