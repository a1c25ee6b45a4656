import Foundation
import KuraCrypto
import KuraRepository

/// Recreates a generation's files under a target folder: contents verified blob by blob as
/// they are read, metadata (mode, owner when root, times, xattrs) applied after contents and,
/// for directories, after their children. Never writes outside the target: names are
/// checked, and an existing path component that is a symlink stops the restore.
///
/// A regular file is written under a temporary name beside its final one and renamed into
/// place only once its contents are complete and its metadata set, so a restore that stops
/// (damaged data, a full disk) leaves no partial file at a final name. While a restore runs,
/// the target holds a `RestoreMarker`; a rerun of the same generation into a target that
/// still has it keeps what the stopped run restored instead of refusing it.
public final class Restorer: @unchecked Sendable {
    private let repository: Repository
    private let generation: StoredGeneration
    private let options: RestoreOptions
    private let onWarning: (String) -> Void
    private let excludes: GlobMatcher
    private let includes: GlobMatcher
    private var summary = RestoreSummary()
    private var hardlinks: [String: RawPath] = [:]
    private var restoredFiles: [(path: RawPath, node: Node)] = []
    /// Files complete at their final names (counted from the parallel writers).
    private let completed = CompletedFiles()
    /// A marker of a stopped restore of this generation was found (see `alreadyRestored`).
    private var resuming = false
    /// Files waiting to be written by the parallel workers, and what must wait for them:
    /// second names of hard links, and directory metadata (a directory's mtime changes
    /// whenever an entry is created in it, so it is set last, deepest first).
    private var pendingFiles: [(node: Node, path: RawPath, shown: String)] = []
    private var damagedFiles: Set<RawPath> = []
    private var pendingLinks: [(first: RawPath, path: RawPath)] = []
    private var pendingDirectories: [(node: Node, path: RawPath)] = []
    private let isRoot = geteuid() == 0
    private static let parallelFiles = 4
    /// Files up to this size have their blobs fetched for a whole batch at once.
    private static let smallFileSize: Int64 = 256 * 1024

    public init(repository: Repository, generation: StoredGeneration, options: RestoreOptions,
                onWarning: @escaping (String) -> Void = { _ in }) throws(GlobError) {
        self.repository = repository
        self.generation = generation
        self.options = options
        self.onWarning = onWarning
        excludes = try GlobMatcher(patterns: options.excludes)
        includes = try GlobMatcher(patterns: options.includes)
    }

    public func run() async throws -> RestoreSummary {
        try repository.require(.readContents)
        try await requireSelectedPathsExist()
        let target = RawPath(absolutePath(options.target))
        try makeDirectory(target, mode: 0o700)
        let marker = RestoreMarker(target: target, generation: generation.id)
        resuming = marker.isPresent
        try marker.write()
        do {
            if let root = try await loadTree(generation.generation.tree, shownPath: "") {
                try await restore(root, relative: "", into: target)
            }
            try await flushFiles(final: true)
        } catch {
            queuedBatch?.prefetch.cancel()
            let failure = error as? FileFailure
            guard failure != nil || completed.count > 0 else {
                // Refused before any file was written (an existing file, an unsafe name).
                if !resuming { marker.remove() }
                throw error
            }
            throw RestoreError.stopped(file: failure?.shownPath, restoredFiles: completed.count, cause: failure?.cause ?? error)
        }
        for (first, path) in pendingLinks {
            guard first.withCString({ from in path.withCString { link(from, $0) } }) == 0 else { throw failure("link", path) }
        }
        for (node, path) in pendingDirectories.reversed() {
            for warning in applyMetadata(node, path: path) { warn(warning) }
        }
        if options.verify {
            for (path, node) in restoredFiles where !damagedFiles.contains(path) { try await verify(path: path, node: node) }
        }
        marker.remove()
        return summary
    }

    /// Every path asked for must name an entry of the generation, so a mistyped path is an
    /// error before anything is written rather than a restore of nothing.
    private func requireSelectedPathsExist() async throws {
        let dumper = GenerationDumper(repository: repository, generation: generation)
        for path in options.paths {
            do {
                _ = try await dumper.entry(at: absolutePath(path))
            } catch is DumpError {
                throw RestoreError.noSuchPath(absolutePath(path), generation: generation.name)
            }
        }
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

    /// - Parameters:
    ///   - relative: the tree's path in the generation (for selection and messages).
    ///   - target: where the tree's entries go on disk.
    private func restore(_ tree: Tree, relative: String, into target: RawPath) async throws {
        for node in tree.nodes {
            let name = NodeBuilder.nameBytes(node)
            guard !name.isEmpty, !name.contains(0x2F), name != [0x2E], name != [0x2E, 0x2E], !name.contains(0) else {
                throw RestoreError.unsafeName(node.name)
            }
            let nameText = String(decoding: name, as: UTF8.self)
            let path = relative + "/" + nameText
            let destination = target.appending(name)
            let (wanted, descendOnly) = selection(path, name: nameText)
            if node.kind == .directory, wanted || descendOnly {
                try makeDirectory(destination, mode: 0o700)
                if let subtree = node.subtree, let loaded = try await loadTree(subtree, shownPath: path) {
                    try await restore(loaded, relative: path, into: destination)
                }
                if wanted {
                    summary.directories += 1
                    pendingDirectories.append((node, destination))
                }
                continue
            }
            guard wanted, options.includes.isEmpty || includes.matches(path: path, name: nameText) else { continue }
            try await restoreEntry(node, at: destination, shownPath: path)
        }
    }

    /// A directory's listing; with `collectDamage`, nil (and the directory collected as
    /// damaged) when it cannot be read.
    private func loadTree(_ id: BlobID, shownPath: String) async throws -> Tree? {
        do {
            return try await repository.loadTree(id)
        } catch {
            guard options.collectDamage, let reason = Self.damageReason(error) else { throw error }
            summary.damaged.append(DamagedEntry(path: shownPath + "/", reason: reason))
            return nil
        }
    }

    /// Why `error` means damaged or missing repository data, or nil for any other failure.
    public static func damageReason(_ error: any Error) -> String? {
        switch error {
        case RepositoryError.damaged(let object, let reason): "\(object) is \(reason == "missing" ? "missing" : "damaged (\(reason))")"
        case RepositoryError.blobMissing(let id): "blob \(id.short) is not in the index"
        default: nil
        }
    }

    private func makeDirectory(_ path: RawPath, mode: mode_t) throws {
        if path.withCString({ mkdir($0, mode) }) == 0 { return }
        let code = errno
        guard code == EEXIST else { throw RestoreError.io("cannot create \(path): \(String(cString: strerror(code)))") }
        guard let info = try? FileSystem.lstat(path), info.st_mode & S_IFMT == S_IFDIR else {
            throw RestoreError.notADirectory(path.description)
        }
    }

    /// Refuses an existing entry at `path` unless --overwrite; with it, removes the entry,
    /// or leaves it for the rename of a file written later to replace.
    private func removeExisting(_ path: RawPath, replacedByRename: Bool) throws {
        guard let info = try? FileSystem.lstat(path) else { return }
        guard options.overwrite else { throw RestoreError.exists(path.description) }
        guard info.st_mode & S_IFMT != S_IFDIR else { throw RestoreError.notADirectory(path.description) }
        if !replacedByRename { _ = path.withCString(unlink) }
    }

    private func failure(_ what: String, _ path: RawPath) -> RestoreError {
        RestoreError.io("cannot \(what) \(path): \(String(cString: strerror(errno)))")
    }

    private func restoreEntry(_ node: Node, at path: RawPath, shownPath: String) async throws {
        let placeholder = node.kind == .file && options.contentFilter.map { !$0(shownPath, node) } == true
        let linked = node.kind == .file ? node.hardlinkKey.flatMap { hardlinks[$0] } : nil
        if resuming, linked.map({ isLink(path, to: $0) }) ?? alreadyRestored(node, at: path, placeholder: placeholder) {
            summary.alreadyRestored += 1
            if linked == nil { count(node, at: path, placeholder: placeholder) } else { summary.files += 1 }
            return
        }
        try removeExisting(path, replacedByRename: node.kind == .file && linked == nil && !placeholder)
        switch node.kind {
        case .file:
            if let linked {
                summary.files += 1
                pendingLinks.append((linked, path))
                return
            }
            count(node, at: path, placeholder: placeholder)
            if placeholder {
                try createPlaceholder(path)
                break
            }
            pendingFiles.append((node, path, shownPath))
            if pendingFiles.count >= 256 { try await flushFiles() }
            return
        case .symlink:
            guard RawPath(node.linkTargetBytes).withCString({ to in path.withCString { symlink(to, $0) } }) == 0 else {
                throw failure("create symlink", path)
            }
            count(node, at: path, placeholder: false)
        case .fifo:
            guard path.withCString({ mkfifo($0, 0o600) }) == 0 else { throw failure("create fifo", path) }
            count(node, at: path, placeholder: false)
        case .characterDevice, .blockDevice:
            let type = node.kind == .characterDevice ? S_IFCHR : S_IFBLK
            guard path.withCString({ mknod($0, type | 0o600, dev_t(node.deviceNumber ?? 0)) }) == 0 else {
                warn("cannot create device \(shownPath): \(String(cString: strerror(errno))); skipped")
                return
            }
            count(node, at: path, placeholder: false)
        case .socket:
            warn("\(shownPath) is a socket; sockets are recorded but not restored")
            return
        case .directory:
            return
        }
        for warning in applyMetadata(node, path: path) { warn(warning) }
    }

    /// An empty file standing in for one whose contents are not wanted; metadata follows.
    private func createPlaceholder(_ path: RawPath) throws {
        let descriptor = path.withCString { open($0, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600) }
        guard descriptor >= 0 else { throw failure("create", path) }
        close(descriptor)
    }

    /// Counts an entry as restored, for the summary, hard links and --verify.
    private func count(_ node: Node, at path: RawPath, placeholder: Bool) {
        guard node.kind == .file else {
            summary.otherEntries += 1
            return
        }
        summary.files += 1
        if let key = node.hardlinkKey { hardlinks[key] = path }
        if placeholder {
            summary.placeholders += 1
        } else {
            restoredFiles.append((path, node))
            summary.bytes += node.size
        }
    }

    private struct FileOutcome: Sendable {
        var warnings: [String]
        var damage: DamagedEntry?
        var path: RawPath
        var timing: FileTiming
    }

    /// A batch of files whose small files' blobs are fetched (a pack range at a time instead
    /// of a request per blob) while the batch before it is written.
    private struct FileBatch {
        let jobs: [(node: Node, path: RawPath, shown: String)]
        let prefetch: Task<([BlobID: [UInt8]], Double), Error>
        let smallFiles: Int
    }

    private var queuedBatch: FileBatch?

    /// Starts fetching the pending files' small blobs and writes the batch queued before
    /// them; `final` writes the last batch too.
    private func flushFiles(final: Bool = false) async throws {
        if !pendingFiles.isEmpty {
            let previous = queuedBatch
            queuedBatch = startBatch(pendingFiles)
            pendingFiles = []
            if let previous { try await writeBatch(previous) }
        }
        if final, let last = queuedBatch.take() { try await writeBatch(last) }
    }

    private func startBatch(_ jobs: [(node: Node, path: RawPath, shown: String)]) -> FileBatch {
        // At most 256 files of up to 256 KiB: 64 MiB.
        var small: Set<BlobID> = []
        var smallFiles = 0
        for (node, _, _) in jobs where node.size <= Self.smallFileSize {
            small.formUnion(node.content ?? [])
            smallFiles += 1
        }
        let prefetch = Task { [repository, options] in
            let started = Date()
            do {
                return (try await repository.readBlobsGrouped(small), Date().timeIntervalSince(started))
            } catch {
                // Damage somewhere in the batch: each file then reads its own blobs, so only
                // the damaged ones fail.
                guard options.collectDamage, Self.damageReason(error) != nil else { throw error }
                return ([:], Date().timeIntervalSince(started))
            }
        }
        return FileBatch(jobs: jobs, prefetch: prefetch, smallFiles: smallFiles)
    }

    /// Writes a batch's files, a few at a time in parallel (contents, then their metadata).
    private func writeBatch(_ batch: FileBatch) async throws {
        let batchStarted = Date()
        let jobs = batch.jobs
        let (prefetched, prefetchSeconds) = try await batch.prefetch.value
        let prefetchShare = batch.smallFiles > 0 ? prefetchSeconds / Double(batch.smallFiles) : 0
        let outcomes = try await withThrowingTaskGroup(of: FileOutcome.self) { group in
            var next = 0
            func start() {
                guard next < jobs.count else { return }
                let (node, path, shown) = jobs[next]
                next += 1
                group.addTask {
                    let started = Date()
                    var damage: DamagedEntry?
                    let warnings: [String]
                    do {
                        warnings = try await self.restoreFile(node, at: path, prefetched: prefetched)
                        self.completed.add()
                    } catch {
                        guard self.options.collectDamage, let reason = Self.damageReason(error) else {
                            throw FileFailure(shownPath: shown, cause: error)
                        }
                        // A drill names the damaged file and keeps an empty one with its metadata.
                        _ = path.withCString(unlink)
                        try self.createPlaceholder(path)
                        warnings = self.applyMetadata(node, path: path)
                        damage = DamagedEntry(path: shown, reason: reason)
                    }
                    let share = node.size <= Self.smallFileSize ? prefetchShare : 0
                    return FileOutcome(warnings: warnings, damage: damage, path: path,
                                       timing: FileTiming(bytes: node.size, seconds: Date().timeIntervalSince(started) + share))
                }
            }
            for _ in 0..<Self.parallelFiles { start() }
            var all: [FileOutcome] = []
            while let outcome = try await group.next() {
                all.append(outcome)
                start()
            }
            return all
        }
        for outcome in outcomes {
            for warning in outcome.warnings { warn(warning) }
            if let damage = outcome.damage {
                summary.damaged.append(damage)
                damagedFiles.insert(outcome.path)
            } else {
                summary.fileTimings.append(outcome.timing)
            }
        }
        summary.contentSeconds += Date().timeIntervalSince(batchStarted)
    }

    /// Writes a file's contents and metadata under a temporary name in its folder, then
    /// renames it to `path`; on any failure the temporary file is removed. Returns what
    /// metadata could not be set.
    private func restoreFile(_ node: Node, at path: RawPath, prefetched: [BlobID: [UInt8]]) async throws -> [String] {
        let folder = path.bytes.lastIndex(of: 0x2F).map { RawPath(Array(path.bytes[..<$0])) } ?? RawPath(".")
        // mkstemp(3) replaces the six X's with a unique suffix and creates the file 0600.
        var template = (folder.appending(Array(".kura-restore-XXXXXX".utf8)).bytes + [0]).map { CChar(bitPattern: $0) }
        let descriptor = mkstemp(&template)
        guard descriptor >= 0 else { throw failure("create a temporary file in", folder) }
        let temporary = RawPath(template.dropLast().map { UInt8(bitPattern: $0) })
        var renamed = false
        defer {
            close(descriptor)
            if !renamed { _ = temporary.withCString(unlink) }
        }
        try await writeContents(node, to: descriptor, path: temporary, prefetched: prefetched)
        let warnings = applyMetadata(node, path: temporary, shown: path)
        guard temporary.withCString({ from in path.withCString { rename(from, $0) } }) == 0 else { throw failure("rename into", path) }
        renamed = true
        return warnings
    }

    private func writeContents(_ node: Node, to descriptor: Int32, path: RawPath, prefetched: [BlobID: [UInt8]]) async throws {
        let plan = try FileReadPlan(content: node.content ?? [], index: repository.index, prefetched: prefetched)
        guard plan.size == node.size else { throw RestoreError.verificationFailed(path.description) }
        let sparse = node.sparse == true
        for (id, offset) in plan.prefetched {
            guard let data = prefetched[id] else { throw RepositoryError.blobMissing(id) }
            try write(data, at: offset, to: descriptor, path: path, leavingHoles: sparse)
        }
        for run in plan.runs {
            try await repository.readBlobs(run.entries, of: run.pack) { entry, data in
                for offset in run.fileOffsets[entry.offset] ?? [] {
                    try write(data, at: offset, to: descriptor, path: path, leavingHoles: sparse)
                }
            }
        }
        guard ftruncate(descriptor, off_t(plan.size)) == 0 else { throw failure("size", path) }
    }

    /// Writes `data` at `offset`; for sparse files, 4 KiB pages of zeros are skipped so they
    /// stay holes (the final ftruncate gives the file its full size).
    private func write(_ data: [UInt8], at offset: Int64, to descriptor: Int32, path: RawPath, leavingHoles: Bool) throws {
        let page = 4096
        try data.withUnsafeBytes { bytes in
            var start = 0
            while start < bytes.count {
                var end = min(start + page, bytes.count)
                if leavingHoles, bytes[start..<end].allSatisfy({ $0 == 0 }) {
                    start = end
                    continue
                }
                while leavingHoles, end < bytes.count, !bytes[end..<min(end + page, bytes.count)].allSatisfy({ $0 == 0 }) {
                    end = min(end + page, bytes.count)
                }
                if !leavingHoles { end = bytes.count }
                var written = start
                while written < end {
                    let count = pwrite(descriptor, bytes.baseAddress! + written, end - written, off_t(offset) + off_t(written))
                    if count < 0 {
                        if errno == EINTR { continue }
                        throw failure("write", path)
                    }
                    written += count
                }
                start = end
            }
        }
    }

    /// Owner (as root), mode, xattrs, then times last (anything else would change mtime).
    /// Returns what could not be set.
    /// - Parameter shown: the name messages use (the final name of a temporary file).
    private func applyMetadata(_ node: Node, path: RawPath, shown: RawPath? = nil) -> [String] {
        var problems: [String] = []
        let name = shown ?? path
        if isRoot, path.withCString({ lchown($0, node.uid, node.gid) }) != 0 { problems.append("cannot set owner of \(name)") }
        if node.kind != .symlink, path.withCString({ chmod($0, mode_t(node.mode)) }) != 0 {
            problems.append("cannot set mode of \(name)")
        }
        for (attribute, value) in node.xattrs ?? [:] {
            guard let bytes = Base64.decodeCanonicalPadded(value) else { continue }
            if FileSystem.setXattr(path, name: attribute, value: bytes) != 0 { problems.append("cannot set xattr \(attribute) on \(name)") }
        }
        var times = [node.mtime.timespec, node.mtime.timespec]
        if path.withCString({ utimensat(AT_FDCWD, $0, &times, AT_SYMLINK_NOFOLLOW) }) != 0 {
            problems.append("cannot set times of \(name)")
        }
        return problems
    }

    /// Re-reads a restored file and checks each segment against its blob's keyed ID.
    private func verify(path: RawPath, node: Node) async throws {
        guard contentMatches(path: path, node: node) else { throw RestoreError.verificationFailed(path.description) }
        summary.verifiedFiles += 1
    }

    /// Whether the regular file at `path` has exactly the node's contents.
    private func contentMatches(path: RawPath, node: Node) -> Bool {
        let descriptor = path.withCString { open($0, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) }
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var offset: off_t = 0
        for id in node.content ?? [] {
            guard let length = repository.index.location(of: id)?.entry.rawLength else { return false }
            var data = [UInt8](repeating: 0, count: length)
            let count = data.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, length, offset) }
            guard count == length, repository.blobID(of: data) == id else { return false }
            offset += off_t(length)
        }
        var info = stat()
        return fstat(descriptor, &info) == 0 && Int64(info.st_size) == node.size
    }

    /// Whether the entry at `path` is what a stopped run of this restore put there: the
    /// generation's regular file (contents, mode and mtime; a placeholder: empty), a symlink
    /// to the same target, or a fifo or device of the same kind.
    private func alreadyRestored(_ node: Node, at path: RawPath, placeholder: Bool) -> Bool {
        guard let info = try? FileSystem.lstat(path) else { return false }
        let type = info.st_mode & S_IFMT
        switch node.kind {
        case .file:
            guard type == S_IFREG, UInt32(info.st_mode) & 0o7777 == node.mode, Timestamp(info.st_mtim) == node.mtime else { return false }
            return placeholder ? info.st_size == 0 : contentMatches(path: path, node: node)
        case .symlink:
            return type == S_IFLNK && (try? FileSystem.readLink(path)) == node.linkTargetBytes
        case .fifo:
            return type == S_IFIFO
        case .characterDevice, .blockDevice:
            return type == (node.kind == .characterDevice ? S_IFCHR : S_IFBLK) && UInt64(info.st_rdev) == node.deviceNumber ?? 0
        case .directory, .socket:
            return false
        }
    }

    /// Whether `path` is a hard link to `first`.
    private func isLink(_ path: RawPath, to first: RawPath) -> Bool {
        guard let a = try? FileSystem.lstat(path), let b = try? FileSystem.lstat(first) else { return false }
        return a.st_ino == b.st_ino && a.st_dev == b.st_dev
    }

    /// A file whose restore failed, for the message that says where the restore stopped.
    private struct FileFailure: Error {
        let shownPath: String
        let cause: any Error
    }

    /// How many files the parallel writers have put in place.
    private final class CompletedFiles: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0

        var count: Int { lock.withLock { value } }
        func add() { lock.withLock { value += 1 } }
    }
}
