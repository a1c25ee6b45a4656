import Foundation
import KuraCrypto
import KuraRepository

/// Recreates a generation's files under a target folder: contents verified blob by blob as
/// they are read, metadata (mode, owner when root, times, xattrs) applied after contents and,
/// for directories, after their children. Never writes outside the target: names are
/// checked, and an existing path component that is a symlink stops the restore.
public final class Restorer {
    private let repository: Repository
    private let generation: StoredGeneration
    private let options: RestoreOptions
    private let onWarning: (String) -> Void
    private let excludes: GlobMatcher
    private let includes: GlobMatcher
    private var summary = RestoreSummary()
    private var hardlinks: [String: String] = [:]
    private var restoredFiles: [(path: String, node: Node)] = []
    private let isRoot = geteuid() == 0

    public init(repository: Repository, generation: StoredGeneration, options: RestoreOptions,
                onWarning: @escaping (String) -> Void = { _ in }) {
        self.repository = repository
        self.generation = generation
        self.options = options
        self.onWarning = onWarning
        excludes = GlobMatcher(patterns: options.excludes)
        includes = GlobMatcher(patterns: options.includes)
    }

    public func run() async throws -> RestoreSummary {
        let target = absolutePath(options.target)
        try makeDirectory(target, mode: 0o700)
        let root = try await repository.loadTree(generation.generation.tree)
        try await restore(root, relative: "", into: target)
        if options.verify {
            for (path, node) in restoredFiles { try await verify(path: path, node: node) }
        }
        return summary
    }

    private func warn(_ message: String) {
        summary.warnings += 1
        onWarning(message)
    }

    /// Whether `path` is wanted: under a selected path (or on the way to one), matching the
    /// includes if any, and not excluded.
    private func selection(_ path: String, name: String) -> (restore: Bool, descendOnly: Bool) {
        if excludes.matches(path: path, name: name) { return (false, false) }
        if !options.paths.isEmpty {
            let selected = options.paths.map(absolutePath)
            let inside = selected.contains { path == $0 || path.hasPrefix($0 == "/" ? "/" : $0 + "/") }
            if !inside {
                return (false, selected.contains { $0.hasPrefix(path + "/") })
            }
        }
        return (true, false)
    }

    private func restore(_ tree: Tree, relative: String, into target: String) async throws {
        for node in tree.nodes {
            let name = NodeBuilder.nameBytes(node)
            guard !name.isEmpty, !name.contains(0x2F), name != [0x2E], name != [0x2E, 0x2E], !name.contains(0) else {
                throw RestoreError.unsafeName(node.name)
            }
            let nameText = String(decoding: name, as: UTF8.self)
            let path = relative + "/" + nameText
            let destination = String(cString: Array((target + relative + "/").utf8) + name + [0])
            let (wanted, descendOnly) = selection(path, name: nameText)
            if node.kind == .directory, wanted || descendOnly {
                try makeDirectory(destination, mode: 0o700)
                if let subtree = node.subtree {
                    try await restore(try await repository.loadTree(subtree), relative: path, into: target)
                }
                if wanted {
                    summary.directories += 1
                    applyMetadata(node, path: destination)
                }
                continue
            }
            guard wanted, options.includes.isEmpty || includes.matches(path: path, name: nameText) else { continue }
            try await restoreEntry(node, at: destination, shownPath: path)
        }
    }

    private func makeDirectory(_ path: String, mode: mode_t) throws {
        if mkdir(path, mode) == 0 { return }
        let code = errno
        guard code == EEXIST else { throw RestoreError.io("cannot create \(path): \(String(cString: strerror(code)))") }
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { throw RestoreError.notADirectory(path) }
    }

    private func removeExisting(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard options.overwrite else { throw RestoreError.exists(path) }
        guard info.st_mode & S_IFMT != S_IFDIR else { throw RestoreError.notADirectory(path) }
        unlink(path)
    }

    private func restoreEntry(_ node: Node, at path: String, shownPath: String) async throws {
        try removeExisting(path)
        switch node.kind {
        case .file:
            if let key = node.hardlinkKey, let first = hardlinks[key] {
                guard link(first, path) == 0 else { throw RestoreError.io("cannot link \(path): \(String(cString: strerror(errno)))") }
                summary.files += 1
                return
            }
            try await restoreFile(node, at: path)
            if let key = node.hardlinkKey { hardlinks[key] = path }
            restoredFiles.append((path, node))
            summary.files += 1
            summary.bytes += node.size
        case .symlink:
            let target = node.rawLinkTarget.flatMap { Base64.decodeCanonicalPadded($0) } ?? Array((node.linkTarget ?? "").utf8)
            guard symlink(String(cString: target + [0]), path) == 0 else {
                throw RestoreError.io("cannot create symlink \(path): \(String(cString: strerror(errno)))")
            }
            summary.otherEntries += 1
        case .fifo:
            guard mkfifo(path, 0o600) == 0 else { throw RestoreError.io("cannot create fifo \(path): \(String(cString: strerror(errno)))") }
            summary.otherEntries += 1
        case .characterDevice, .blockDevice:
            let type = node.kind == .characterDevice ? S_IFCHR : S_IFBLK
            guard mknod(path, type | 0o600, dev_t(node.deviceNumber ?? 0)) == 0 else {
                warn("cannot create device \(shownPath): \(String(cString: strerror(errno))); skipped")
                return
            }
            summary.otherEntries += 1
        case .socket:
            warn("\(shownPath) is a socket; sockets are recorded but not restored")
            return
        case .directory:
            return
        }
        applyMetadata(node, path: path)
    }

    private func restoreFile(_ node: Node, at path: String) async throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw RestoreError.io("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var offset: Int64 = 0
        for id in node.content ?? [] {
            let data = try await repository.readBlob(id)
            if node.sparse == true, data.allSatisfy({ $0 == 0 }) {
                offset += Int64(data.count)   // leave a hole
                continue
            }
            var written = 0
            while written < data.count {
                let count = data.withUnsafeBytes { pwrite(descriptor, $0.baseAddress! + written, data.count - written, off_t(offset) + off_t(written)) }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw RestoreError.io("cannot write \(path): \(String(cString: strerror(errno)))")
                }
                written += count
            }
            offset += Int64(data.count)
        }
        guard offset == node.size else {
            throw RestoreError.verificationFailed(path)
        }
        guard ftruncate(descriptor, off_t(offset)) == 0 else {
            throw RestoreError.io("cannot size \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Owner (as root), mode, xattrs, then times last (anything else would change mtime).
    private func applyMetadata(_ node: Node, path: String) {
        if isRoot, lchown(path, node.uid, node.gid) != 0 { warn("cannot set owner of \(path)") }
        if node.kind != .symlink, chmod(path, mode_t(node.mode)) != 0 { warn("cannot set mode of \(path)") }
        for (name, value) in node.xattrs ?? [:] {
            guard let bytes = Base64.decodeCanonicalPadded(value) else { continue }
            if FileSystem.setXattr(path, name: name, value: bytes) != 0 { warn("cannot set xattr \(name) on \(path)") }
        }
        var times = [node.mtime.timespec, node.mtime.timespec]
        if utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW) != 0 { warn("cannot set times of \(path)") }
    }

    /// Re-reads a restored file and checks each segment against its blob's keyed ID.
    private func verify(path: String, node: Node) async throws {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw RestoreError.verificationFailed(path) }
        defer { close(descriptor) }
        var offset: off_t = 0
        for id in node.content ?? [] {
            guard let length = repository.index.location(of: id)?.entry.rawLength else { throw RestoreError.verificationFailed(path) }
            var data = [UInt8](repeating: 0, count: length)
            let count = data.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, length, offset) }
            guard count == length, repository.blobID(of: data) == id else { throw RestoreError.verificationFailed(path) }
            offset += off_t(length)
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0, Int64(info.st_size) == node.size else { throw RestoreError.verificationFailed(path) }
        summary.verifiedFiles += 1
    }
}
