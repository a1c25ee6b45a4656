import Foundation
import KuraRepository

/// What a verification of a restored generation found.
public struct RestoreVerification: Sendable {
    /// Entries compared (every node of the generation that was restored).
    public var entries = 0
    /// Files whose contents were re-read and compared, and their bytes.
    public var files = 0
    public var bytes: Int64 = 0
    /// Every difference, by generation path, sorted.
    public var mismatches: [DamagedEntry] = []
    /// Whether the scratch file system keeps holes (else sparse files were not checked).
    public var holesChecked = false
}

/// Walks a generation's trees beside the folder it was restored into and compares every
/// entry: metadata of all (`RestoredEntryCheck`), hard links (one inode per group), the
/// listing of every directory (nothing missing, nothing extra), and the contents of the
/// files restored with contents, re-read and checked blob by blob against the keyed IDs.
public final class RestoreVerifier {
    private let repository: Repository
    private let generation: StoredGeneration
    private let target: RawPath
    private let contentFilter: (@Sendable (String, Node) -> Bool)?
    private let skipped: Set<String>
    private let isRoot = geteuid() == 0
    private var scope = RestoredEntryCheck.Scope(owner: geteuid() == 0, size: true, holes: false)
    private var result = RestoreVerification()
    private var hardlinkInodes: [String: (device: UInt64, inode: UInt64)] = [:]
    private var verifiedHardlinks: Set<String> = []
    /// Hard-link keys of files the restore found damaged, with the name it reported.
    private var damagedLinks: [String: String] = [:]

    /// - Parameters:
    ///   - target: the folder given to the `Restorer`.
    ///   - contentFilter: the one given to the `Restorer`: files it rejects are placeholders.
    ///   - skipping: generation paths the restore reported damaged (a directory as "path/").
    public init(repository: Repository, generation: StoredGeneration, target: String,
                contentFilter: (@Sendable (String, Node) -> Bool)?, skipping: Set<String>) {
        self.repository = repository
        self.generation = generation
        self.target = RawPath(target)
        self.contentFilter = contentFilter
        self.skipped = skipping
    }

    public func run() async throws -> RestoreVerification {
        result = RestoreVerification()
        hardlinkInodes = [:]
        verifiedHardlinks = []
        damagedLinks = [:]
        result.holesChecked = RestoredEntryCheck.fileSystemKeepsHoles(in: target.description)
        scope.holes = result.holesChecked
        if let root = try await loadTree(generation.generation.tree, path: "") {
            try await verify(root, relative: "", at: target)
        }
        result.mismatches.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        return result
    }

    private func mismatch(_ path: String, _ reason: String) {
        result.mismatches.append(DamagedEntry(path: path, reason: reason))
    }

    private func loadTree(_ id: BlobID, path: String) async throws -> Tree? {
        do {
            return try await repository.loadTree(id)
        } catch {
            guard let reason = Restorer.damageReason(error) else { throw error }
            if !skipped.contains(path + "/") { mismatch(path + "/", reason) }
            return nil
        }
    }

    private func verify(_ tree: Tree, relative: String, at directory: RawPath) async throws {
        var expectedNames: Set<[UInt8]> = []
        for node in tree.nodes {
            let name = NodeBuilder.nameBytes(node)
            expectedNames.insert(name)
            let path = relative + "/" + String(decoding: name, as: UTF8.self)
            let destination = directory.appending(name)
            if skipped.contains(path) {
                if let key = node.hardlinkKey { damagedLinks[key] = path }
                continue
            }
            if let key = node.hardlinkKey, let first = damagedLinks[key] {
                mismatch(path, "damaged: the same file as \(first)")
                continue
            }
            if !wasRestored(node, at: destination) { continue }
            result.entries += 1
            let withContent = node.kind == .file && (contentFilter?(path, node) ?? true)
            var content = ContentCheck()
            if withContent { content = try await checkContent(node, at: destination) }
            var entryScope = scope
            entryScope.size = withContent
            entryScope.holes = scope.holes && content.leavesHole
            for problem in RestoredEntryCheck.differences(node, at: destination, scope: entryScope) { mismatch(path, problem) }
            if let problem = content.problem { mismatch(path, problem) }
            switch node.kind {
            case .directory:
                if let subtree = node.subtree, let loaded = try await loadTree(subtree, path: path) {
                    try await withOwnerAccess(destination, needed: 0o500) {
                        try await verify(loaded, relative: path, at: destination)
                    }
                }
            case .file:
                if let problem = hardlinkProblem(node, at: destination) { mismatch(path, problem) }
            default:
                break
            }
        }
        for name in (try? FileSystem.entries(directory)) ?? [] where !expectedNames.contains(name) {
            mismatch(relative + "/" + String(decoding: name, as: UTF8.self), "is not in the generation")
        }
    }

    /// Sockets are never restored, and devices only by root; anything else must be there.
    private func wasRestored(_ node: Node, at path: RawPath) -> Bool {
        switch node.kind {
        case .socket: false
        case .characterDevice, .blockDevice: (try? FileSystem.lstat(path)) != nil
        default: true
        }
    }

    /// All names of a hard-linked file must be one inode.
    private func hardlinkProblem(_ node: Node, at path: RawPath) -> String? {
        guard let key = node.hardlinkKey, let info = try? FileSystem.lstat(path) else { return nil }
        let identity = (device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        guard let first = hardlinkInodes[key] else {
            hardlinkInodes[key] = identity
            return nil
        }
        return first == identity ? nil : "is not a hard link to the other names of its file"
    }

    /// Runs `body` with the owner's `needed` permission bits on `path` added for the while, when
    /// they are missing and this process is not root: restored modes such as 0000 must not keep
    /// the verification out. chmod leaves mtime alone, and the mode is compared before.
    private func withOwnerAccess<T>(_ path: RawPath, needed: mode_t, _ body: () async throws -> T) async rethrows -> T {
        guard !isRoot, let info = try? FileSystem.lstat(path), info.st_mode & needed != needed else { return try await body() }
        _ = path.withCString { chmod($0, (info.st_mode & 0o7777) | needed) }
        defer { _ = path.withCString { chmod($0, info.st_mode & 0o7777) } }
        return try await body()
    }

    private struct ContentCheck {
        var problem: String?
        /// A sparse file whose contents have a run of zeros long enough that restore leaves
        /// a hole (only these are held to showing holes: a file counted sparse because its
        /// file system compressed it or kept it inline has none to restore).
        var leavesHole = false
    }

    /// Zeros restore skips come in 4 KiB pages counted from each blob's start, which need
    /// not be aligned with the file system's blocks; 16 KiB of zeros in one blob always
    /// leaves at least one whole block unwritten.
    private static let holeMakingRun = 16 * 1024

    /// Re-reads the file and checks each segment against its blob's keyed ID.
    private func checkContent(_ node: Node, at path: RawPath) async throws -> ContentCheck {
        if let key = node.hardlinkKey, verifiedHardlinks.contains(key) { return ContentCheck() }
        let descriptor = await withOwnerAccess(path, needed: 0o400) { path.withCString { open($0, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) } }
        guard descriptor >= 0 else { return ContentCheck(problem: "cannot be read: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var offset: off_t = 0
        var leavesHole = false
        for id in node.content ?? [] {
            guard let length = repository.index.location(of: id)?.entry.rawLength else {
                return ContentCheck(problem: "blob \(id.short) is not in the index")
            }
            var data = [UInt8](repeating: 0, count: length)
            let count = data.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, length, offset) }
            guard count == length else { return ContentCheck(problem: "is shorter than the generation's file") }
            guard repository.blobID(of: data) == id else {
                return ContentCheck(problem: "contents differ from the generation at byte \(offset)")
            }
            if node.sparse == true, !leavesHole { leavesHole = Self.hasZeroRun(data, length: Self.holeMakingRun) }
            offset += off_t(length)
        }
        if let key = node.hardlinkKey { verifiedHardlinks.insert(key) }
        result.files += 1
        result.bytes += Int64(offset)
        return ContentCheck(leavesHole: leavesHole)
    }

    private static func hasZeroRun(_ data: [UInt8], length: Int) -> Bool {
        data.withUnsafeBufferPointer { bytes in
            var run = 0
            for byte in bytes {
                run = byte == 0 ? run + 1 : 0
                if run >= length { return true }
            }
            return false
        }
    }
}
