import Foundation

/// An SFTP version 3 session over a `PacketChannel` (ssh's sftp subsystem, or sftp-server run
/// directly): one method per request Kura needs, with READs and WRITEs pipelined.
///
/// Requests fail with `SFTPStatus` when the server refuses them and with `StorageError` when
/// the session is gone (retryable, naming the host and what ssh said last) or the server sends
/// something that is not SFTP.
final class SFTPClient: Sendable {
    let channel: PacketChannel
    let features: SFTPServerFeatures
    /// Where the session goes, for messages (`sftp:HOST:PATH`).
    var location: String { channel.location }

    /// How many READs or WRITEs of one transfer are in flight at once.
    static let window = 32

    private init(channel: PacketChannel, features: SFTPServerFeatures) {
        self.channel = channel
        self.features = features
    }

    /// Sends INIT, reads VERSION and, if offered, the server's limits.
    static func connect(over channel: PacketChannel) async throws -> SFTPClient {
        var hello = PacketWriter()
        hello.uint8(SFTPMessage.initialize.rawValue)
        hello.uint32(3)
        let reply = try await channel.handshake(hello.bytes)
        var reader = PacketReader(reply, offset: 1)
        var features = SFTPServerFeatures()
        do {
            guard reply.first == SFTPMessage.version.rawValue, try reader.uint32() == 3 else {
                throw StorageError.ioFailure(channel.location, reason: "the server does not speak SFTP version 3", retryable: false)
            }
            while reader.remaining > 0 {
                features.extensions[try reader.string()] = try reader.string()
            }
        } catch is PacketReader.Truncated {
            throw StorageError.ioFailure(channel.location, reason: "the server's SFTP greeting is malformed", retryable: false)
        }
        let client = SFTPClient(channel: channel, features: features)
        if features.offers(SFTPServerFeatures.limits) {
            return SFTPClient(channel: channel, features: try await client.limits(features))
        }
        return client
    }

    // MARK: Requests

    func open(_ path: String, _ flags: SFTPOpenFlags, permissions: UInt32? = nil) async throws -> [UInt8] {
        var reader = try await expect(.handle, from: request(.open) { packet in
            packet.string(path)
            packet.uint32(flags.rawValue)
            SFTPAttributes(permissions: permissions).encode(into: &packet)
        })
        return try parse { try reader.data() }
    }

    func close(_ handle: [UInt8]) async throws {
        try await expectOK(request(.close) { $0.data(handle) })
    }

    /// Closes `handle` without waiting for or minding the answer (after another failure).
    func discard(_ handle: [UInt8]) async {
        _ = try? await request(.close) { $0.data(handle) }
    }

    /// At most `length` bytes at `offset`; empty at the end of the file.
    func read(_ handle: [UInt8], offset: Int, length: Int) async throws -> [UInt8] {
        let reply = try await request(.read) { packet in
            packet.data(handle)
            packet.uint64(UInt64(offset))
            packet.uint32(UInt32(length))
        }
        if reply.type == .status, let status = try status(in: reply), status.known == .endOfFile { return [] }
        var reader = try expect(.data, from: reply)
        return try parse { try reader.data() }
    }

    func write(_ handle: [UInt8], offset: Int, _ bytes: ArraySlice<UInt8>) async throws {
        try await expectOK(request(.write) { packet in
            packet.data(handle)
            packet.uint64(UInt64(offset))
            packet.uint32(UInt32(bytes.count))
            packet.raw(Array(bytes))
        })
    }

    func stat(_ path: String) async throws -> SFTPAttributes {
        var reader = try await expect(.attributes, from: request(.stat) { $0.string(path) })
        return try parse { try SFTPAttributes.decode(from: &reader) }
    }

    func fstat(_ handle: [UInt8]) async throws -> SFTPAttributes {
        var reader = try await expect(.attributes, from: request(.fstat) { $0.data(handle) })
        return try parse { try SFTPAttributes.decode(from: &reader) }
    }

    /// Every entry of the folder but `.` and `..`.
    func list(_ path: String) async throws -> [SFTPDirectoryEntry] {
        var reader = try await expect(.handle, from: request(.opendir) { $0.string(path) })
        let handle = try parse { try reader.data() }
        var entries: [SFTPDirectoryEntry] = []
        do {
            while true {
                let reply = try await request(.readdir) { $0.data(handle) }
                if reply.type == .status, let status = try status(in: reply), status.known == .endOfFile { break }
                var names = try expect(.name, from: reply)
                try parse {
                    for _ in 0..<(try names.uint32()) {
                        let name = try names.string()
                        _ = try names.data()   // the long name, for people
                        let attributes = try SFTPAttributes.decode(from: &names)
                        if name != ".", name != ".." { entries.append(SFTPDirectoryEntry(name: name, attributes: attributes)) }
                    }
                }
            }
        } catch {
            await discard(handle)
            throw error
        }
        try await close(handle)
        return entries
    }

    func remove(_ path: String) async throws {
        try await expectOK(request(.remove) { $0.string(path) })
    }

    func makeDirectory(_ path: String, permissions: UInt32) async throws {
        try await expectOK(request(.mkdir) { packet in
            packet.string(path)
            SFTPAttributes(permissions: permissions).encode(into: &packet)
        })
    }

    /// Renames, replacing `target` atomically when the server offers posix-rename; plain SFTP
    /// RENAME refuses an existing target, so without it `target` is removed first.
    func rename(_ source: String, to target: String) async throws {
        if features.offers(SFTPServerFeatures.posixRename) {
            try await expectOK(request(.extended) { packet in
                packet.string(SFTPServerFeatures.posixRename)
                packet.string(source)
                packet.string(target)
            })
            return
        }
        do {
            try await expectOK(request(.rename) { packet in
                packet.string(source)
                packet.string(target)
            })
        } catch let status as SFTPStatus where status.known == .failure {
            try await remove(target)
            try await expectOK(request(.rename) { packet in
                packet.string(source)
                packet.string(target)
            })
        }
    }

    /// Flushes the file to the server's disk; does nothing when the server cannot.
    func sync(_ handle: [UInt8]) async throws {
        guard features.offers(SFTPServerFeatures.fsync) else { return }
        try await expectOK(request(.extended) { packet in
            packet.string(SFTPServerFeatures.fsync)
            packet.data(handle)
        })
    }

    /// Bytes free for an unprivileged user on the file system holding `path`, if the server says.
    func availableBytes(at path: String) async -> UInt64? {
        guard features.offers(SFTPServerFeatures.statvfs),
              let reply = try? await request(.extended, { packet in
                  packet.string(SFTPServerFeatures.statvfs)
                  packet.string(path)
              }),
              var reader = try? expect(.extendedReply, from: reply) else { return nil }
        guard let blockSize = try? reader.uint64(), let fragmentSize = try? reader.uint64(),
              (try? reader.uint64()) != nil, (try? reader.uint64()) != nil, let available = try? reader.uint64() else { return nil }
        let unit = fragmentSize > 0 ? fragmentSize : blockSize
        return available.multipliedReportingOverflow(by: unit).overflow ? UInt64.max : available * unit
    }

    // MARK: Pipelined transfers

    /// Writes all of `bytes` from offset 0, `window` WRITEs in flight.
    func writeAll(_ handle: [UInt8], _ bytes: [UInt8]) async throws {
        let chunk = features.writeLength
        let offsets = Array(stride(from: 0, to: bytes.count, by: chunk))
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func start() {
                let offset = offsets[next]
                next += 1
                group.addTask { try await self.write(handle, offset: offset, bytes[offset..<min(offset + chunk, bytes.count)]) }
            }
            while next < offsets.count, next < Self.window { start() }
            while try await group.next() != nil {
                if next < offsets.count { start() }
            }
        }
    }

    /// `length` bytes from `offset`, `window` READs in flight; fewer when the file ends first.
    func readAll(_ handle: [UInt8], offset: Int, length: Int) async throws -> [UInt8] {
        guard length > 0 else { return [] }
        let chunk = features.readLength
        let starts = Array(stride(from: offset, to: offset + length, by: chunk))
        var pieces = [[UInt8]?](repeating: nil, count: starts.count)
        try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
            var next = 0
            func start() {
                let index = next
                next += 1
                let wanted = min(chunk, offset + length - starts[index])
                group.addTask { (index, try await self.readFully(handle, offset: starts[index], length: wanted)) }
            }
            while next < starts.count, next < Self.window { start() }
            while let (index, piece) = try await group.next() {
                pieces[index] = piece
                // Past the end of the file the rest would be empty too.
                if next < starts.count, piece.count == min(chunk, offset + length - starts[index]) { start() }
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length)
        for (index, piece) in pieces.enumerated() {
            guard let piece else { break }
            bytes += piece
            if piece.count < min(chunk, offset + length - starts[index]) { break }
        }
        return bytes
    }

    /// READs until `length` bytes have come or the file ends (a server may send less than asked).
    private func readFully(_ handle: [UInt8], offset: Int, length: Int) async throws -> [UInt8] {
        var bytes = try await read(handle, offset: offset, length: length)
        while bytes.count < length {
            let more = try await read(handle, offset: offset + bytes.count, length: length - bytes.count)
            if more.isEmpty { break }
            bytes += more
        }
        return bytes
    }

    // MARK: Packets

    private struct Reply {
        let type: SFTPMessage?
        let bytes: [UInt8]
    }

    private func request(_ type: SFTPMessage, _ body: (inout PacketWriter) -> Void) async throws -> Reply {
        var packet = PacketWriter()
        packet.uint8(type.rawValue)
        packet.uint32(channel.nextRequestID())
        body(&packet)
        do {
            let bytes = try await channel.request(packet.bytes)
            return Reply(type: SFTPMessage(rawValue: bytes[0]), bytes: bytes)
        } catch .ioFailure(let location, let reason, _) {
            // The session was up: a lost connection may come back.
            throw StorageError.ioFailure(location, reason: reason, retryable: true)
        }
    }

    /// The reply's body when it has `type`; its status as an error otherwise.
    private func expect(_ type: SFTPMessage, from reply: Reply) throws -> PacketReader {
        if reply.type == type { return PacketReader(reply.bytes, offset: 5) }
        if reply.type == .status, let status = try status(in: reply) { throw status }
        throw malformed("a reply of type \(reply.bytes[0]) where \(type) was due")
    }

    private func expectOK(_ reply: Reply) throws {
        guard reply.type == .status else { throw malformed("a reply of type \(reply.bytes[0]) where a status was due") }
        if let status = try status(in: reply) { throw status }
    }

    /// The status a STATUS reply carries, nil for OK.
    private func status(in reply: Reply) throws -> SFTPStatus? {
        var reader = PacketReader(reply.bytes, offset: 5)
        let status = try parse { SFTPStatus(code: try reader.uint32(), message: reader.remaining > 0 ? try reader.string() : "") }
        return status.known == .ok ? nil : status
    }

    private func parse<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch is PacketReader.Truncated {
            throw malformed("a truncated reply")
        }
    }

    private func malformed(_ what: String) -> StorageError {
        .ioFailure(location, reason: "the SFTP server sent \(what)", retryable: false)
    }

    private func limits(_ offered: SFTPServerFeatures) async throws -> SFTPServerFeatures {
        var reader = try await expect(.extendedReply, from: request(.extended) { $0.string(SFTPServerFeatures.limits) })
        var features = offered
        let (packet, read, write) = try parse { (try reader.uint64(), try reader.uint64(), try reader.uint64()) }
        // A WRITE carries its handle and offset besides the data; keep well inside the packet.
        let packetRoom = packet > 2048 ? Int(clamping: packet) - 1024 : 0
        if read > 0 { features.readLength = min(Int(clamping: read), 1 << 20) }
        if write > 0 { features.writeLength = min(Int(clamping: write), 1 << 20) }
        if packetRoom > 0 {
            features.readLength = min(features.readLength, packetRoom)
            features.writeLength = min(features.writeLength, packetRoom)
        }
        return features
    }
}
