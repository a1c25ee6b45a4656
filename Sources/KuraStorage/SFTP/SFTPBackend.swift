import Foundation

/// A repository in a folder on an SFTP server (`sftp:[USER@]HOST:/PATH`), for storage boxes
/// that offer only SFTP. The folder is laid out as `LocalBackend`'s, so a repository copied
/// between a local disk and an SFTP box is the same repository.
///
/// Puts write a temporary file beside the object, flush it (`fsync@openssh.com` when
/// offered) and rename it into place (`posix-rename@openssh.com` when offered), so a reader
/// sees the whole object or none. Transfers keep many READs and WRITEs in flight.
public struct SFTPBackend: StorageBackend {
    public let location: String
    /// The repository folder on the server; a relative path is under the login folder.
    let root: String
    let session: ChannelSession<SFTPClient>

    /// Packs upload while the next one fills: each write waits on the network.
    public var overlappingWrites: Int { 4 }

    /// A repository at `address`, reached with the system ssh (`ssh` names it, see `SSHCommand`).
    public init(address: SSHAddress, ssh: SSHCommand = .fromEnvironment()) {
        let location = Self.describe(address)
        self.init(launching: ssh.arguments(to: address, subsystem: "sftp"), location: location, root: address.path)
    }

    /// A repository at `root` on the SFTP server that `arguments` starts (an sftp-server run
    /// directly, for tests and local use).
    public init(launching arguments: [String], location: String, root: String) {
        self.location = location
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
        session = ChannelSession(arguments: arguments, location: location,
                                 advice: " (check that `ssh -s HOST sftp` logs in without a prompt; docs/SFTP.md)",
                                 greet: SFTPClient.connect(over:))
    }

    /// Ends the SFTP session (its ssh); a backend that was never used has none.
    public func close() { session.close() }

    /// Ends every SFTP session (and every other ssh channel) of the process, so no ssh
    /// outlives the command.
    public static func closeAll() { OpenChannels.closeAll() }

    // MARK: Layout (LocalBackend's)

    func directory(for kind: ObjectKind, name: String? = nil) -> String {
        guard kind == .data, let name else { return "\(root)/\(kind.rawValue)" }
        return "\(root)/\(kind.rawValue)/\(name.prefix(2))"
    }

    func path(of name: ObjectName) -> String { "\(directory(for: name.kind, name: name.name))/\(name.name)" }

    /// `path` as an admin reads it in a message: the location and the path under it.
    func shown(_ path: String) -> String {
        path.hasPrefix(root + "/") ? location + path.dropFirst(root.count) : path
    }

    // MARK: StorageBackend

    public func create() async throws {
        let client = try await session.client()
        do {
            if let existing = try await attributes(root, client), existing.isDirectory {
                let expected = Set(ObjectKind.allCases.map(\.rawValue) + ["lost+found"])
                guard try await client.list(root).allSatisfy({ expected.contains($0.name) }) else {
                    throw StorageError.locationNotEmpty(location)
                }
            } else {
                try await makeDirectories(root, client)
            }
            for kind in ObjectKind.allCases { try await makeDirectoryIfMissing(directory(for: kind), client) }
            let prefixes = (0..<256).map { String(format: "%02x", $0) }
            try await forEach(prefixes, inFlight: 32) { prefix in
                try await makeDirectoryIfMissing("\(root)/data/\(prefix)", client)
            }
        } catch {
            throw translated(error, path: root)
        }
    }

    public func exists() async throws -> Bool {
        let client = try await session.client()
        do {
            guard let folder = try await attributes(root, client), folder.isDirectory else { return false }
            return try await attributes(directory(for: .keys), client)?.isDirectory ?? false
        } catch {
            throw translated(error, path: root)
        }
    }

    public func put(_ name: ObjectName, bytes: [UInt8]) async throws {
        let client = try await session.client()
        let target = path(of: name)
        let temporary = "\(directory(for: name.kind, name: name.name))/.\(name.name).tmp-\(UInt64.random(in: 0...UInt64.max))"
        let permissions: UInt32 = name.kind == .locks ? 0o600 : 0o400
        let handle: [UInt8]
        do {
            handle = try await openForWriting(temporary, permissions: permissions, kind: name.kind, client)
        } catch {
            throw await translatedMissing(error, path: target, object: nil, client)
        }
        do {
            try await client.writeAll(handle, bytes)
            try await client.sync(handle)
            try await client.close(handle)
        } catch {
            await client.discard(handle)
            try? await client.remove(temporary)
            if let status = error as? SFTPStatus, status.known == .failure,
               let available = await client.availableBytes(at: directory(for: name.kind, name: name.name)),
               available < UInt64(bytes.count) {
                throw StorageError.noSpace(shown(target))
            }
            throw translated(error, path: target)
        }
        do {
            try await client.rename(temporary, to: target)
        } catch {
            try? await client.remove(temporary)
            throw translated(error, path: target)
        }
    }

    public func get(_ name: ObjectName) async throws -> [UInt8] {
        try await reading(name) { client, handle in
            // The size only sizes the first pipelined pass (within 1 GiB: a server's word).
            let size = try await client.fstat(handle).size.map { Int(min($0, 1 << 30)) } ?? 0
            var bytes = try await client.readAll(handle, offset: 0, length: size)
            // Without a size, or if the object grew: read on to the end.
            while true {
                let more = try await client.read(handle, offset: bytes.count, length: client.features.readLength)
                if more.isEmpty { return bytes }
                bytes += more
            }
        }
    }

    public func get(_ name: ObjectName, offset: Int, length: Int) async throws -> [UInt8] {
        try await reading(name) { client, handle in
            let bytes = try await client.readAll(handle, offset: offset, length: length)
            guard bytes.count == length else { throw StorageError.shortRead(name, expected: length, got: bytes.count) }
            return bytes
        }
    }

    /// Reads ahead across ranges (`ReadAhead`), so many small ranges cost one round trip
    /// together, not one each.
    public func get(_ name: ObjectName, ranges: [Range<Int>], deliver: (Int, [UInt8]) async throws -> Void) async throws {
        try await reading(name) { client, handle in
            try await ReadAhead.deliver(name, ranges: ranges, reading: { range in
                try await client.readAll(handle, offset: range.lowerBound, length: range.count)
            }, to: deliver)
        }
    }

    public func stat(_ name: ObjectName) async throws -> ObjectInfo? {
        let client = try await session.client()
        do {
            guard let attributes = try await attributes(path(of: name), client) else {
                try await requireRoot(client)
                return nil
            }
            return ObjectInfo(name: name, size: Int(clamping: attributes.size ?? 0), modified: attributes.modifiedDate)
        } catch {
            throw translated(error, path: path(of: name))
        }
    }

    public func list(_ kind: ObjectKind) async throws -> [ObjectInfo] {
        let client = try await session.client()
        let folder = directory(for: kind)
        do {
            guard let entries = try await entries(folder, client) else {
                // A kind's folder missing (a copy that dropped empty folders) is an empty listing.
                try await requireRoot(client)
                return []
            }
            guard kind == .data else { return try await objects(entries, in: folder, kind: kind, client) }
            let subfolders = entries.filter(\.attributes.isDirectory).map { "\(folder)/\($0.name)" }
            let found = Collected<[ObjectInfo]>([])
            try await forEach(subfolders, inFlight: 16) { subfolder in
                guard let inside = try await self.entries(subfolder, client) else { return }
                let objects = try await self.objects(inside, in: subfolder, kind: kind, client)
                found.withLock { $0 += objects }
            }
            return found.withLock { $0 }
        } catch {
            throw translated(error, path: folder)
        }
    }

    public func delete(_ name: ObjectName) async throws {
        let client = try await session.client()
        do {
            try await client.remove(path(of: name))
        } catch let status as SFTPStatus where status.known == .noSuchFile {
            do { try await requireRoot(client) } catch { throw translated(error, path: root) }
        } catch {
            throw translated(error, path: path(of: name))
        }
    }

    // MARK: Helpers

    /// Opens `name` for reading and runs `body`, closing the handle however it ends.
    private func reading<T>(_ name: ObjectName, _ body: (SFTPClient, [UInt8]) async throws -> T) async throws -> T {
        let client = try await session.client()
        let handle: [UInt8]
        do {
            handle = try await client.open(path(of: name), .read)
        } catch {
            throw await translatedMissing(error, path: path(of: name), object: name, client)
        }
        let result: T
        do {
            result = try await body(client, handle)
        } catch {
            await client.discard(handle)
            throw translated(error, path: path(of: name))
        }
        await client.discard(handle)
        return result
    }

    /// Creates `temporary` (never an existing file); a data folder missing from a copied
    /// repository is made first.
    private func openForWriting(_ temporary: String, permissions: UInt32, kind: ObjectKind, _ client: SFTPClient) async throws -> [UInt8] {
        let flags: SFTPOpenFlags = [.write, .create, .exclusive]
        do {
            return try await client.open(temporary, flags, permissions: permissions)
        } catch let status as SFTPStatus where status.known == .noSuchFile {
            try await requireRoot(client)
            try await makeDirectoryIfMissing((temporary as NSString).deletingLastPathComponent, client)
            return try await client.open(temporary, flags, permissions: permissions)
        }
    }

    /// The attributes at `path`, nil if nothing is there.
    private func attributes(_ path: String, _ client: SFTPClient) async throws -> SFTPAttributes? {
        do {
            return try await client.stat(path)
        } catch let status as SFTPStatus where status.known == .noSuchFile {
            return nil
        }
    }

    /// The folder's entries, nil if it does not exist.
    private func entries(_ folder: String, _ client: SFTPClient) async throws -> [SFTPDirectoryEntry]? {
        do {
            return try await client.list(folder)
        } catch let status as SFTPStatus where status.known == .noSuchFile {
            return nil
        }
    }

    /// The objects among `entries`; abandoned temporary files (over an hour old) are removed.
    private func objects(_ entries: [SFTPDirectoryEntry], in folder: String, kind: ObjectKind,
                         _ client: SFTPClient) async throws -> [ObjectInfo] {
        var objects: [ObjectInfo] = []
        for entry in entries {
            guard ObjectName.isValid(entry.name) else {
                if entry.name.hasPrefix("."), entry.name.contains(".tmp-"), entry.attributes.isRegularFile,
                   let modified = entry.attributes.modifiedDate, Date().timeIntervalSince(modified) > 3600 {
                    try? await client.remove("\(folder)/\(entry.name)")
                }
                continue
            }
            guard entry.attributes.isRegularFile else { continue }
            objects.append(ObjectInfo(name: try ObjectName(kind, entry.name), size: Int(clamping: entry.attributes.size ?? 0),
                                      modified: entry.attributes.modifiedDate))
        }
        return objects
    }

    private func requireRoot(_ client: SFTPClient) async throws {
        guard try await attributes(root, client)?.isDirectory == true else { throw StorageError.locationMissing(location) }
    }

    /// mkdir -p: each missing folder on the way, 0700.
    private func makeDirectories(_ path: String, _ client: SFTPClient) async throws {
        var prefix = path.hasPrefix("/") ? "" : nil as String?
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            let next = prefix.map { "\($0)/\(part)" } ?? String(part)
            prefix = next
            if try await attributes(next, client)?.isDirectory != true { try await makeDirectoryIfMissing(next, client) }
        }
    }

    private func makeDirectoryIfMissing(_ path: String, _ client: SFTPClient) async throws {
        do {
            try await client.makeDirectory(path, permissions: 0o700)
        } catch let status as SFTPStatus {
            // sftp-server answers a folder that exists with a bare failure.
            guard try await attributes(path, client)?.isDirectory == true else { throw status }
        }
    }

    /// `body` for each item, `inFlight` at once.
    private func forEach(_ items: [String], inFlight: Int, _ body: @escaping @Sendable (String) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            while next < items.count, next < inFlight {
                let item = items[next]
                group.addTask { try await body(item) }
                next += 1
            }
            while try await group.next() != nil, next < items.count {
                let item = items[next]
                group.addTask { try await body(item) }
                next += 1
            }
            try await group.waitForAll()
        }
    }

    /// A missing file on open: the object (`notFound`), or the whole repository
    /// (`locationMissing`) when its folder is gone.
    private func translatedMissing(_ error: any Error, path: String, object: ObjectName?, _ client: SFTPClient) async -> any Error {
        guard let status = error as? SFTPStatus, status.known == .noSuchFile else { return translated(error, path: path) }
        if (try? await attributes(root, client)?.isDirectory) != true { return StorageError.locationMissing(location) }
        if let object { return StorageError.notFound(object) }
        return translated(error, path: path)
    }

    /// The server's status as a `StorageError` naming `path`.
    private func translated(_ error: any Error, path: String) -> any Error {
        guard let status = error as? SFTPStatus else { return error }
        switch status.known {
        case .permissionDenied: return StorageError.permissionDenied(shown(path))
        case .noConnection, .connectionLost:
            return StorageError.ioFailure(shown(path), reason: status.reason, retryable: true)
        default: return StorageError.ioFailure(shown(path), reason: status.reason, retryable: false)
        }
    }

    /// `sftp:[USER@]HOST:PATH`, or the URL form when a port is named.
    static func describe(_ address: SSHAddress) -> String {
        guard let port = address.port else { return "sftp:\(address)" }
        let host = address.host.contains(":") ? "[\(address.host)]" : address.host
        let path = address.path.hasPrefix("/") ? address.path : "/~/" + address.path
        return "sftp://" + (address.user.map { $0 + "@" } ?? "") + "\(host):\(port)\(path)"
    }
}

extension SFTPAttributes {
    var modifiedDate: Date? { modified.map { Date(timeIntervalSince1970: TimeInterval($0)) } }
}

/// A value shared by concurrent tasks, touched only under its lock.
private final class Collected<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) -> T) -> T { lock.withLock { body(&value) } }
}
