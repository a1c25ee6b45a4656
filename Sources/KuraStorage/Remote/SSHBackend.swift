import Foundation

/// A repository reached over ssh (`ssh://[USER@]HOST[:PORT]/PATH`): ssh runs `kura serve
/// --stdio` on the host and the two speak the serve protocol (docs/SERVE.md) over its pipe.
/// The host keeps the repository as `LocalBackend` does, and an authorized_keys forced command
/// (`kura serve --stdio --append-only --restrict-to …`) decides what this client may do there.
public struct SSHBackend: StorageBackend {
    public let location: String
    /// The repository folder on the host, as the hello names it; relative is under the login folder.
    let path: String
    let session: ChannelSession<ServeClient>

    /// Packs upload while the next one fills: each write waits on the network.
    public var overlappingWrites: Int { 4 }

    /// A repository at `address`, reached with the system ssh (`ssh` names it, see
    /// `SSHCommand`), running `remote` there (`remoteCommand()`, from KURA_REMOTE_COMMAND).
    public init(address: SSHAddress, ssh: SSHCommand = .fromEnvironment(), remote: [String] = SSHBackend.remoteCommand()) {
        let location = Self.describe(address)
        self.init(launching: ssh.arguments(to: address, running: remote + ["serve", "--stdio"]), location: location,
                  path: address.path, host: address.destination)
    }

    /// A repository at `path` served by the program `arguments` starts (`kura serve --stdio`
    /// run directly, for tests).
    public init(launching arguments: [String], location: String, path: String, host: String = "the host") {
        self.location = location
        self.path = path
        session = ChannelSession(arguments: arguments, location: location,
                                 advice: " (check that ssh reaches \(host) without a prompt and that kura is on its PATH there, "
                                     + "or name it with KURA_REMOTE_COMMAND; docs/SERVE.md)",
                                 greet: { [path] channel in try await ServeClient.connect(over: channel, path: path) })
    }

    /// The program run on the host before `serve --stdio`: KURA_REMOTE_COMMAND's words (split
    /// on blanks, e.g. `/opt/kura/bin/kura` or `sudo -u backup kura`), else `kura`.
    public static func remoteCommand(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        let words = (environment["KURA_REMOTE_COMMAND"] ?? "").split(whereSeparator: \.isWhitespace).map(String.init)
        return words.isEmpty ? ["kura"] : words
    }

    /// Ends the connection (its ssh and the far side's kura serve); one never used has none.
    public func close() { session.close() }

    /// Whether the host's kura serve refuses deletes and replacements (connects if not yet).
    public func isAppendOnly() async throws -> Bool {
        try await client().flags.contains(.appendOnly)
    }

    // MARK: StorageBackend

    public func create() async throws {
        _ = try await call(.create, expecting: .ok, object: nil)
    }

    public func exists() async throws -> Bool {
        var reply = try await call(.exists, expecting: .bool, object: nil)
        return try await client().parse { try reply.uint8() == 1 }
    }

    public func put(_ name: ObjectName, bytes: [UInt8]) async throws {
        guard bytes.count <= ServeProtocol.maximumData else {
            throw StorageError.ioFailure("\(location)/\(name)", reason: "an object of \(bytes.count) bytes is larger than kura serve "
                                         + "carries (\(ServeProtocol.maximumData))", retryable: false)
        }
        _ = try await call(.put, expecting: .ok, object: name) { packet in
            packet.object(name)
            packet.data(bytes)
        }
    }

    public func get(_ name: ObjectName) async throws -> [UInt8] {
        do {
            return try await data(call(.get, expecting: .data, object: name, raw: true) { $0.object(name) })
        } catch let failure as ServeFailure where failure.code == .tooLarge {
            // Larger than one packet: in ranges.
            return try await get(name, offset: 0, length: failure.expected)
        } catch let failure as ServeFailure {
            throw failure.storageError(location: location, object: name)
        }
    }

    public func get(_ name: ObjectName, offset: Int, length: Int) async throws -> [UInt8] {
        guard length > ServeProtocol.maximumData else { return try await read(name, offset: offset, length: length) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length)
        for start in stride(from: offset, to: offset + length, by: ServeProtocol.maximumData) {
            bytes += try await read(name, offset: start, length: min(ServeProtocol.maximumData, offset + length - start))
        }
        guard bytes.count == length else { throw StorageError.shortRead(name, expected: length, got: bytes.count) }
        return bytes
    }

    /// Many ranged reads in flight (`ReadAhead`), so small ranges cost one round trip together.
    public func get(_ name: ObjectName, ranges: [Range<Int>], deliver: (Int, [UInt8]) async throws -> Void) async throws {
        try await ReadAhead.deliver(name, ranges: ranges, reading: { range in
            try await get(name, offset: range.lowerBound, length: range.count)
        }, to: deliver)
    }

    public func stat(_ name: ObjectName) async throws -> ObjectInfo? {
        var reply = try await call(.stat, expecting: .info, object: name) { $0.object(name) }
        let (present, size, modified) = try await client().parse { (try reply.uint8() == 1, try reply.count(), try reply.time()) }
        return present ? ObjectInfo(name: name, size: size, modified: modified) : nil
    }

    public func list(_ kind: ObjectKind) async throws -> [ObjectInfo] {
        var reply = try await call(.list, expecting: .listing, object: nil) { $0.string(kind.rawValue) }
        let served = try await client()
        return try served.parse {
            var objects: [ObjectInfo] = []
            for _ in 0..<(try reply.uint32()) {
                let name = try reply.string()
                let size = try reply.count()
                let modified = try reply.time()
                guard let object = try? ObjectName(kind, name) else { continue }
                objects.append(ObjectInfo(name: object, size: size, modified: modified))
            }
            return objects
        }
    }

    public func delete(_ name: ObjectName) async throws {
        _ = try await call(.delete, expecting: .ok, object: name) { $0.object(name) }
    }

    // MARK: Helpers

    private func read(_ name: ObjectName, offset: Int, length: Int) async throws -> [UInt8] {
        try await data(call(.getRange, expecting: .data, object: name) { packet in
            packet.object(name)
            packet.uint64(UInt64(offset))
            packet.uint64(UInt64(length))
        })
    }

    private func data(_ reply: PacketReader) async throws -> [UInt8] {
        var reply = reply
        return try await client().parse { try reply.data() }
    }

    /// The connected session; a refusal of the hello is the `StorageError` naming this location.
    private func client() async throws -> ServeClient {
        do {
            return try await session.client()
        } catch let failure as ServeFailure {
            throw failure.storageError(location: location, object: nil)
        }
    }

    /// One request; a refusal is the `StorageError` naming `object` under this location (or,
    /// with `raw`, the `ServeFailure` itself, for the caller to look at).
    private func call(_ type: ServeMessage, expecting expected: ServeMessage, object: ObjectName?, raw: Bool = false,
                      _ body: (inout PacketWriter) -> Void = { _ in }) async throws -> PacketReader {
        let served = try await client()
        do {
            return try await served.call(type, expecting: expected, body)
        } catch let failure as ServeFailure where !raw {
            throw failure.storageError(location: location, object: object)
        }
    }

    /// `ssh://[USER@]HOST[:PORT]/PATH`, a relative path written `/~/PATH`.
    static func describe(_ address: SSHAddress) -> String {
        let host = address.host.contains(":") ? "[\(address.host)]" : address.host
        let path = address.path.hasPrefix("/") ? address.path : "/~/" + address.path
        return "ssh://" + (address.user.map { $0 + "@" } ?? "") + host + (address.port.map { ":\($0)" } ?? "") + path
    }
}
