import Foundation
import KuraCrypto
import KuraRepository

/// Backs up paths into a new generation of a subject: walks the file system, chunks new or
/// changed files, stores their blobs (deduplicated against the whole repository), writes
/// directory trees bottom-up, then packs, index and finally the signed generation record.
public final class BackupRunner {
    public typealias ProgressHandler = (BackupProgress) -> Void

    private let repository: Repository
    private let options: BackupOptions
    private let chunker: Chunker
    private let excludes: GlobMatcher
    private let onProgress: ProgressHandler
    private let onWarning: (String) -> Void
    private var progress = BackupProgress()
    private var summary = Generation.Summary()
    private var hardlinkContent: [String: (content: [BlobID], size: Int64)] = [:]
    private var lastReport = Date.distantPast
    private var started = Date()
    /// The generation's time: when the backup began, by Kura's clock.
    private var startTime = KuraClock.now
    private let estimator = SizeEstimator()
    /// Two read buffers of twice the maximum chunk (so each batch holds a whole chunk beyond
    /// what the last left over): one is filled and cut while the other's chunks are prepared
    /// on worker threads.
    private let buffers = [FileBuffer(capacity: 2 * RepositoryConfig.ChunkerSettings.largestMaximum),
                           FileBuffer(capacity: 2 * RepositoryConfig.ChunkerSettings.largestMaximum)]
    private let smallFiles: SmallFileBatcher
    /// For a key that cannot read trees back: the last generation's trees from the local
    /// cache, and the trees this backup writes (the next backup's cache).
    private var cachedTrees: [BlobID: Tree] = [:]
    private var writtenTrees: [BlobID: Tree] = [:]
    /// Regular files left out by `excludeLargerThan`.
    public private(set) var largeFilesLeftOut = 0

    public init(repository: Repository, options: BackupOptions,
                onWarning: @escaping (String) -> Void = { _ in }, onProgress: @escaping ProgressHandler = { _ in }) throws {
        self.repository = repository
        self.options = options
        let settings = repository.config.chunker
        chunker = try Chunker(seed: repository.chunkerSeed, minimum: settings.minimum, average: settings.average,
                              maximum: settings.maximum)
        excludes = try GlobMatcher(patterns: options.excludes)
        smallFiles = SmallFileBatcher(repository: repository)
        self.onProgress = onProgress
        self.onWarning = onWarning
    }

    /// Runs the backup; returns the new generation.
    public func run() async throws -> StoredGeneration {
        try repository.require(.writeGenerations)
        started = Date()
        startTime = KuraClock.now
        let paths = try options.stream.map { ["/" + $0.filename] } ?? existingPaths().map(absolutePath)
        defer { estimator.cancel() }
        if options.estimateTotals, options.stream == nil {
            estimator.start(paths: paths, excludes: excludes, oneFileSystem: options.oneFileSystem)
        }
        let existing = try await repository.generations().valid
        let parent = existing.last { $0.generation.subject == options.subject }
        var parentRoot: Tree?
        // A backup key cannot read the parent's tree: it uses the trees cached on this host by
        // its last backup, or else reads every file again (blobs still deduplicate).
        if let parent, repository.canReadContents {
            parentRoot = try? await repository.loadTree(parent.generation.tree)
        } else if let parent, let cache = BackupTreeCache.load(repository: repository.config.id, subject: options.subject,
                                                               generation: parent.id) {
            cachedTrees = cache.trees
            parentRoot = cachedTrees[cache.root]
        }

        let root: Tree
        if let stream = options.stream {
            root = try await archiveStream(stream)
        } else {
            let trie = PathTrie()
            for path in paths { trie.insert(path) }
            root = try await archiveSelected(trie, path: "", parentTree: parentRoot)
        }
        let rootID = try await saveTree(root)
        try await repository.flush()

        summary.newBlobs = repository.newBlobs
        summary.storedBytes = repository.storedBytes
        summary.seconds = Date().timeIntervalSince(started)
        let generation = Generation(subject: options.subject,
                                    number: repository.nextNumber(for: options.subject, in: existing),
                                    time: startTime, host: options.host, paths: paths, tags: options.tags, tree: rootID,
                                    parent: parent?.id, summary: summary, writer: repository.keySlot.id)
        let id = try await repository.save(generation)
        if !repository.canReadContents {
            BackupTreeCache(generation: id, root: rootID, trees: writtenTrees).save(repository: repository.config.id,
                                                                                 subject: options.subject)
        }
        return StoredGeneration(id: id, generation: generation)
    }

    /// The selected paths that exist; each missing one is a warning. Fails only when none does.
    private func existingPaths() throws -> [String] {
        var selected = options.paths
        for list in options.pathLists { selected += try list.paths() }
        if selected.isEmpty, !options.pathLists.isEmpty { throw PathListError.nothingListed(options.pathLists.map(\.shownName)) }
        var info = stat()
        var existing: [String] = []
        for path in selected {
            if lstat(path, &info) == 0 {
                existing.append(path)
            } else {
                warn("\(path): \(errno == ENOENT ? "does not exist" : String(cString: strerror(errno))); skipped")
            }
        }
        guard !existing.isEmpty else { throw BackupError.noPathExists(selected) }
        return existing
    }

    /// Stores a directory's tree. When it equals the parent generation's tree for the same
    /// directory (which the repository holds), that tree's ID is reused without encoding
    /// and hashing it again: an unchanged directory's tree is the same blob either way.
    private func saveTree(_ tree: Tree, unchangedFrom parent: (id: BlobID, tree: Tree)? = nil) async throws -> BlobID {
        let id: BlobID
        if let parent, parent.tree == tree {
            id = parent.id
        } else {
            id = try await repository.saveTree(tree)
        }
        if !repository.canReadContents { writtenTrees[id] = tree }
        return id
    }

    private func warn(_ message: String) {
        summary.warnings += 1
        onWarning(message)
    }

    private func report(_ path: String) {
        progress.currentPath = path
        let now = Date()
        if now.timeIntervalSince(lastReport) >= 0.25 {
            lastReport = now
            progress.elapsed = now.timeIntervalSince(started)
            if let totals = estimator.totals {
                progress.totalFiles = totals.files
                progress.totalBytes = totals.bytes
            }
            onProgress(progress)
        }
    }

    /// A directory on the way to a selected path: recorded with its metadata, but holding
    /// only the selected children.
    private func archiveSelected(_ trie: PathTrie, path: String, parentTree: Tree?) async throws -> Tree {
        if trie.isSelected {
            return try await archiveContents(of: RawPath(path.isEmpty ? "/" : path), parentTree: parentTree, device: nil)
        }
        var entries = ArchivedEntries()
        for (name, child) in trie.children.sorted(by: { $0.key < $1.key }) {
            let childPath = RawPath(path + "/" + name)
            let parentNode = parentTree?.nodes.first { $0.name == name }
            // A folder on the way to a selected path is recorded as the directory it leads to,
            // even through a symlink (/var/run → /run): what is selected needs a directory to
            // be restored into.
            let info: stat
            do {
                info = try child.isSelected ? FileSystem.lstat(childPath) : FileSystem.statFollowingLinks(childPath)
            } catch {
                warn("\(error); skipped")
                continue
            }
            if child.isSelected {
                if let entry = try await archiveEntry(path: childPath, name: Array(name.utf8), info: info,
                                                      parentNode: parentNode, device: info.st_dev, selected: true) {
                    entries.append(entry)
                }
            } else if var node = NodeBuilder.node(name: Array(name.utf8), info: info, path: childPath) {
                let parentSubtree = try await subtree(of: parentNode)
                node.subtree = try await saveTree(try await archiveSelected(child, path: childPath.description,
                                                                                       parentTree: parentSubtree))
                summary.directories += 1
                entries.append(ArchivedEntry(node: node))
            }
        }
        try await smallFiles.drain()
        return entries.tree()
    }

    private func subtree(of node: Node?) async throws -> Tree? {
        guard let node, node.kind == .directory, let id = node.subtree, repository.hasBlob(id) else { return nil }
        guard repository.canReadContents else { return cachedTrees[id] }
        return try? await repository.loadTree(id)
    }

    /// - Parameter only: archive only the entry of this name (a cache folder's CACHEDIR.TAG).
    private func archiveContents(of path: RawPath, parentTree: Tree?, device: dev_t?,
                                 only: [UInt8]? = nil) async throws -> Tree {
        let names: [[UInt8]]
        do {
            names = try FileSystem.entries(path).filter { only == nil || $0 == only }.sorted { $0.lexicographicallyPrecedes($1) }
        } catch {
            warn("\(error); its contents are not in this generation")
            return Tree(nodes: [])
        }
        var previous: [String: Node] = [:]
        for node in parentTree?.nodes ?? [] { previous[node.rawName ?? node.name] = node }
        var entries = ArchivedEntries()
        for name in names {
            let childPath = path.appending(name)
            let key = String(bytes: name, encoding: .utf8) ?? Base64.encode(name, padded: true)
            let info: stat
            do {
                info = try FileSystem.lstat(childPath)
            } catch {
                warn("\(error); skipped (it may have been deleted during the backup)")
                continue
            }
            if let entry = try await archiveEntry(path: childPath, name: name, info: info, parentNode: previous[key],
                                                  device: device ?? info.st_dev, selected: false) {
                entries.append(entry)
            }
        }
        try await smallFiles.drain()
        return entries.tree()
    }

    private func archiveEntry(path: RawPath, name: [UInt8], info: stat, parentNode: Node?, device: dev_t,
                              selected: Bool) async throws -> ArchivedEntry? {
        let shownPath = path.description
        if !selected, excludes.matches(path: shownPath, name: String(decoding: name, as: UTF8.self)) { return nil }
        guard var node = NodeBuilder.node(name: name, info: info, path: path) else {
            warn("\(shownPath): unsupported file type; skipped")
            return nil
        }
        report(shownPath)
        var batched: SmallFileBatcher.Pending?
        switch node.kind {
        case .directory:
            if options.excludeIfPresent.contains(where: { $0.isPresent(in: path) }) { return nil }
            summary.directories += 1
            progress.directories += 1
            if options.oneFileSystem, info.st_dev != device {
                node.subtree = try await saveTree(Tree(nodes: []))
            } else {
                let parentTree = try await subtree(of: parentNode)
                let cacheTag = Array("CACHEDIR.TAG".utf8)
                let isCache = options.excludeCaches
                    && ExclusionMarker.file(path.appending(cacheTag), startsWith: ExclusionMarker.cacheSignature)
                let contents = try await archiveContents(of: path, parentTree: parentTree, device: device,
                                                         only: isCache ? cacheTag : nil)
                node.subtree = try await saveTree(contents, unchangedFrom: parentTree.flatMap { tree in
                    parentNode?.subtree.map { (id: $0, tree: tree) } })
            }
        case .file:
            if let limit = options.excludeLargerThan, node.size > limit {
                largeFilesLeftOut += 1
                return nil
            }
            summary.files += 1
            progress.files += 1
            summary.bytes += node.size
            progress.bytesSeen += node.size
            // The size is what was read: a file that grew or shrank since lstat (or a /proc
            // file, which lstat calls empty) restores to the content the generation holds.
            switch try await archiveFile(path: path, shownPath: shownPath, node: node, parentNode: parentNode) {
            case .blobs(let content, let size):
                node.content = content
                node.size = size
            case .batched(let pending, let size):
                batched = pending
                node.size = size
            case nil:
                summary.files -= 1
                return nil
            }
        case .symlink:
            do {
                let target = try FileSystem.readLink(path)
                let text = String(bytes: target, encoding: .utf8)
                node.linkTarget = text ?? String(decoding: target, as: UTF8.self)
                if text == nil { node.rawLinkTarget = Base64.encode(target, padded: true) }
            } catch {
                warn("\(error); skipped")
                return nil
            }
            summary.otherEntries += 1
        case .fifo, .socket, .characterDevice, .blockDevice:
            summary.otherEntries += 1
        }
        return ArchivedEntry(node: node, batched: batched)
    }

    /// The content blobs of a file: reused from the parent generation when size, mtime,
    /// ctime and inode are unchanged, otherwise read and chunked; a small file's arrive
    /// when the small-file batch is stored. nil when the file cannot be read (warned).
    private func archiveFile(path: RawPath, shownPath: String, node: Node, parentNode: Node?) async throws -> FileContent? {
        if let previous = parentNode, previous.kind == .file, previous.size == node.size, previous.mtime == node.mtime,
           previous.ctime == node.ctime, previous.inode == node.inode, let content = previous.content,
           content.allSatisfy(repository.hasBlob) {
            return .blobs(content, size: previous.size)
        }
        if let key = node.hardlinkKey, let link = hardlinkContent[key] { return .blobs(link.content, size: link.size) }

        var descriptor = path.withCString { open($0, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | FileSystem.noAccessTime) }
        if descriptor < 0, errno == EPERM { descriptor = path.withCString { open($0, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) } }
        guard descriptor >= 0 else {
            let code = errno
            warn("cannot read \(shownPath): \(String(cString: strerror(code))); skipped")
            return nil
        }
        defer { close(descriptor) }
        do {
            let content = try await readContent(of: descriptor, shownPath: shownPath, node: node) {
                self.warnIfChanged(descriptor, path: path, shownPath: shownPath, node: node)
            }
            if case .blobs(let blobs, let size) = content, let key = node.hardlinkKey { hardlinkContent[key] = (blobs, size) }
            return content
        } catch let ReadFailure.read(code) {
            warn("cannot read \(shownPath): \(String(cString: strerror(code))); skipped")
            return nil
        }
    }

    /// A stream as the one file of the generation's root (`/NAME`).
    private func archiveStream(_ stream: StreamSource) async throws -> Tree {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let time = Timestamp(now)
        var node = Node(name: stream.filename, kind: .file, mode: 0o600, uid: getuid(), gid: getgid(),
                        mtime: time, ctime: time, size: 0, inode: 0, device: 0, links: 1)
        node.user = FileSystem.userName(getuid())
        node.group = FileSystem.groupName(getgid())
        report(stream.filename)
        let content: FileContent
        do {
            content = try await readContent(of: stream.descriptor, shownPath: stream.filename, node: node) {}
        } catch let ReadFailure.read(code) {
            throw BackupError.streamUnreadable(stream.filename, reason: String(cString: strerror(code)))
        }
        try stream.finished()
        var entries = ArchivedEntries()
        switch content {
        case .blobs(let blobs, let size):
            node.content = blobs
            node.size = size
            entries.append(ArchivedEntry(node: node))
        case .batched(let pending, let size):
            node.size = size
            entries.append(ArchivedEntry(node: node, batched: pending))
        }
        try await smallFiles.drain()
        summary.files = 1
        summary.bytes = node.size
        progress.files = 1
        progress.bytesSeen = node.size
        return entries.tree()
    }

    /// A read(2) that failed part way through a file or stream.
    private enum ReadFailure: Error { case read(Int32) }

    /// Reads and chunks everything `descriptor` gives until its end, storing the blobs;
    /// `whenRead` runs once it has ended. Throws `ReadFailure` when a read fails.
    private func readContent(of descriptor: Int32, shownPath: String, node: Node,
                             whenRead: () -> Void) async throws -> FileContent {
        // While workers prepare one buffer's chunks, the next buffer is read and cut here,
        // then the prepared blobs are stored (encrypted and packed, in order).
        var content: [BlobID] = []
        var size: Int64 = 0
        var (reading, spare) = (buffers[0], buffers[1])
        reading.reset()
        var preparing: BlobPreparation.Batch?
        var ended = false
        while !ended || reading.count > 0 {
            // Fill the buffer unless the file ends first.
            while !ended && reading.hasSpace {
                let count = reading.fill(from: descriptor)
                if count < 0 {
                    let code = errno
                    _ = await preparing?.prepared()   // its workers still read the other buffer
                    throw ReadFailure.read(code)
                }
                if count == 0 { ended = true }
                progress.bytesRead += Int64(count)
                summary.bytesRead += Int64(count)
            }
            let lengths = chunkLengths(in: reading, fileEnded: ended)
            if ended, preparing == nil, node.hardlinkKey == nil, (1...SmallFileBatcher.largestFile).contains(reading.count) {
                let pending = try await smallFiles.add(reading.available, lengths: lengths)
                whenRead()
                return .batched(pending, size: Int64(reading.count))
            }
            let batch = BlobPreparation.start(chunksOf: reading, lengths: lengths, repository: repository)
            let cut = lengths.reduce(0, +)
            reading.consume(cut)
            size += Int64(cut)
            if let preparing { content += try await BlobPreparation.store(await preparing.prepared(), in: repository) }
            preparing = batch
            spare.reset(keeping: reading)
            swap(&reading, &spare)
            report(shownPath)
        }
        if let preparing { content += try await BlobPreparation.store(await preparing.prepared(), in: repository) }
        whenRead()
        return .blobs(content, size: size)
    }

    private func warnIfChanged(_ descriptor: Int32, path: RawPath, shownPath: String, node: Node) {
        if let after = try? FileSystem.fstat(descriptor, path: path),
           Int64(after.st_size) != node.size || Timestamp(after.st_mtim) != node.mtime {
            warn("\(shownPath) changed while it was read; this generation has the content as read")
        }
    }

    /// The lengths of the chunks `buffer` holds whole (all of its bytes once the file has ended).
    private func chunkLengths(in buffer: FileBuffer, fileEnded: Bool) -> [Int] {
        let bytes = buffer.available
        var lengths: [Int] = []
        var offset = 0
        while offset < bytes.count, fileEnded || bytes.count - offset >= chunker.maximum {
            let length = chunker.boundary(in: UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            lengths.append(length)
            offset += length
        }
        return lengths
    }
}

/// A file's content as `archiveFile` found it.
private enum FileContent {
    case blobs([BlobID], size: Int64)
    /// A small file's, known once the small-file batch is stored.
    case batched(SmallFileBatcher.Pending, size: Int64)
}

/// An entry of a directory being archived.
private struct ArchivedEntry {
    var node: Node
    var batched: SmallFileBatcher.Pending? = nil
}

/// A directory's entries in order; `tree()` once the small-file batcher has drained.
private struct ArchivedEntries {
    private var entries: [ArchivedEntry] = []

    mutating func append(_ entry: ArchivedEntry) { entries.append(entry) }

    func tree() -> Tree {
        Tree(nodes: entries.map { entry in
            var node = entry.node
            if let batched = entry.batched { node.content = batched.content }
            return node
        })
    }
}

/// The selected paths as a tree of names.
final class PathTrie {
    var children: [String: PathTrie] = [:]
    var isSelected = false

    func insert(_ path: String) {
        var node = self
        for part in path.split(separator: "/") {
            if node.isSelected { return }   // an ancestor is already selected whole
            let key = String(part)
            let child = node.children[key] ?? PathTrie()
            node.children[key] = child
            node = child
        }
        node.isSelected = true
        node.children = [:]
    }
}
