import Foundation
import KuraRepository

/// Why `kura dump` cannot write what was asked.
public enum DumpError: Error, CustomStringConvertible {
    case noSuchPath(String, generation: String)
    /// A file's blobs added up to another size than its node records: the tree is damaged.
    case sizeMismatch(String, recorded: Int64, read: Int64)

    public var description: String {
        switch self {
        case .noSuchPath(let path, let generation):
            "\(generation) holds no \(path); kura ls \(generation) lists what it holds"
        case .sizeMismatch(let path, let recorded, let read):
            "\(path): its blobs hold \(read) bytes but the generation records \(recorded); run kura check --read-data"
        }
    }
}

/// Writes one path of a generation to a byte sink: a file as its content, a directory (or
/// the whole generation, "/") as a tar archive of everything under it. Every blob is
/// decrypted and verified as it is read; nothing is written to the local file system.
public struct GenerationDumper {
    public typealias Sink = ([UInt8]) throws -> Void

    /// What a path names in the generation.
    public enum Entry {
        /// The generation's root ("/"), which has no node of its own.
        case root(BlobID)
        case node(Node)

        public var isDirectory: Bool {
            switch self {
            case .root: true
            case .node(let node): node.kind == .directory
            }
        }
    }

    private let repository: Repository
    private let generation: StoredGeneration

    public init(repository: Repository, generation: StoredGeneration) {
        self.repository = repository
        self.generation = generation
    }

    /// The entry at `path` (absolute, as `kura ls` prints it).
    public func entry(at path: String) async throws -> Entry {
        var tree = generation.generation.tree
        let components = path.split(separator: "/").map(String.init)
        if components.isEmpty { return .root(tree) }
        for (position, component) in components.enumerated() {
            guard let node = try await repository.loadTree(tree).nodes.first(where: { $0.pathName == component }) else {
                throw DumpError.noSuchPath(path, generation: generation.name)
            }
            if position == components.count - 1 { return .node(node) }
            guard let subtree = node.subtree else { throw DumpError.noSuchPath(path, generation: generation.name) }
            tree = subtree
        }
        throw DumpError.noSuchPath(path, generation: generation.name)
    }

    /// A regular file's content; any other entry gives nothing (a symlink's target is not followed).
    public func writeContent(of node: Node, path: String, to sink: Sink) async throws {
        var read: Int64 = 0
        for blob in node.content ?? [] {
            let bytes = try await repository.readBlob(blob)
            read += Int64(bytes.count)
            // Never more than the size the header (or a reader) was promised.
            guard read <= node.size else { break }
            try sink(bytes)
        }
        if read != node.size { throw DumpError.sizeMismatch(path, recorded: node.size, read: read) }
    }

    /// `entry` and everything under it as a tar archive; member names are the generation's
    /// paths without the leading "/". Hard links after the first name become tar hard links.
    public func writeTar(_ entry: Entry, path: String, to sink: @escaping Sink) async throws {
        var tar = TarWriter(sink: sink)
        var firstNames: [String: [UInt8]] = [:]
        let base = Array(path.split(separator: "/").joined(separator: "/").utf8)
        switch entry {
        case .root(let tree):
            try await writeTree(tree, at: [], tar: &tar, firstNames: &firstNames)
        case .node(let node):
            try await write(node, at: base, tar: &tar, firstNames: &firstNames)
        }
        try tar.finish()
    }

    private func writeTree(_ tree: BlobID, at path: [UInt8], tar: inout TarWriter,
                           firstNames: inout [String: [UInt8]]) async throws {
        for node in try await repository.loadTree(tree).nodes {
            let name = node.nameBytes
            try await write(node, at: path.isEmpty ? name : path + [0x2F] + name, tar: &tar, firstNames: &firstNames)
        }
    }

    private func write(_ node: Node, at path: [UInt8], tar: inout TarWriter, firstNames: inout [String: [UInt8]]) async throws {
        guard let kind = Self.tarKind(node.kind) else { return }
        var header = TarWriter.Header(path: node.kind == .directory ? path + [0x2F] : path, kind: kind, mode: node.mode,
                                      uid: node.uid, gid: node.gid, user: node.user, group: node.group,
                                      mtimeSeconds: node.mtime.seconds, mtimeNanoseconds: node.mtime.nanoseconds)
        switch node.kind {
        case .file:
            if let key = node.hardlinkKey, let first = firstNames[key] {
                header.kind = .hardLink
                header.linkTarget = first
                try tar.writeHeader(header)
                return
            }
            if let key = node.hardlinkKey { firstNames[key] = path }
            header.size = node.size
            try tar.writeHeader(header)
            try await writeContent(of: node, path: "/" + String(decoding: path, as: UTF8.self)) { try tar.writeContent($0) }
            try tar.finishContent()
        case .symlink:
            header.linkTarget = node.linkTargetBytes
            try tar.writeHeader(header)
        case .characterDevice, .blockDevice:
            let device = node.deviceNumber ?? 0
            header.deviceMajor = UInt32(truncatingIfNeeded: ((device >> 8) & 0xFFF) | ((device >> 32) & ~0xFFF))
            header.deviceMinor = UInt32(truncatingIfNeeded: (device & 0xFF) | ((device >> 12) & ~0xFF))
            try tar.writeHeader(header)
        case .directory:
            try tar.writeHeader(header)
            if let subtree = node.subtree { try await writeTree(subtree, at: path, tar: &tar, firstNames: &firstNames) }
        case .fifo, .socket:
            try tar.writeHeader(header)
        }
    }

    /// Sockets cannot be archived (tar has no type for them; GNU tar skips them too).
    private static func tarKind(_ kind: Node.Kind) -> TarWriter.Header.Kind? {
        switch kind {
        case .file: .file
        case .directory: .directory
        case .symlink: .symlink
        case .fifo: .fifo
        case .characterDevice: .characterDevice
        case .blockDevice: .blockDevice
        case .socket: nil
        }
    }
}
