/// One repository folder as `kura serve` offers it: a request packet in, its reply out. Names
/// and sizes are checked here, and `--append-only` is enforced here: the client's key never
/// reaches this side, which only moves encrypted objects.
struct ServedRepository: Sendable {
    let backend: LocalBackend
    let appendOnly: Bool

    /// The reply to `packet` (its id already checked to be there); every failure is a reply.
    func reply(to packet: [UInt8]) async -> [UInt8] {
        var reader = PacketReader(packet, offset: 5)
        let id = Self.id(of: packet)
        do {
            guard let type = ServeMessage(rawValue: packet[0]) else {
                throw ServeFailure(.unsupported, reason: "packet type \(packet[0]) is not a request this kura serve knows")
            }
            do {
                return try await answer(type, id: id, &reader)
            } catch is PacketReader.Truncated {
                throw ServeFailure(.badRequest, reason: "a truncated \(type) request")
            }
        } catch {
            return ServeFailure(error, root: backend.root).encode(id: id)
        }
    }

    private func answer(_ type: ServeMessage, id: UInt32, _ reader: inout PacketReader) async throws -> [UInt8] {
        var reply = PacketWriter()
        func start(_ type: ServeMessage) {
            reply.uint8(type.rawValue)
            reply.uint32(id)
        }
        switch type {
        case .create:
            try await backend.create()
            start(.ok)
        case .exists:
            let exists = try await backend.exists()
            start(.bool)
            reply.uint8(exists ? 1 : 0)
        case .put:
            let name = try reader.object()
            let bytes = try reader.data()
            try await put(name, bytes)
            start(.ok)
        case .get:
            let name = try reader.object()
            // A whole object travels in one packet; a larger one is read in ranges.
            if let size = try await backend.stat(name)?.size, size > ServeProtocol.maximumData {
                throw ServeFailure(.tooLarge, subject: name.description, expected: size)
            }
            let bytes = try await backend.get(name)
            start(.data)
            reply.data(bytes)
        case .getRange:
            let name = try reader.object()
            let offset = try reader.count()
            let length = try reader.count()
            guard length <= ServeProtocol.maximumData, offset <= Int.max - length else {
                throw ServeFailure(.tooLarge, subject: name.description, reason: "a range of \(length) bytes at \(offset)")
            }
            let bytes = try await backend.get(name, offset: offset, length: length)
            start(.data)
            reply.data(bytes)
        case .stat:
            let info = try await backend.stat(try reader.object())
            start(.info)
            reply.uint8(info == nil ? 0 : 1)
            reply.uint64(UInt64(info?.size ?? 0))
            reply.time(info?.modified)
        case .list:
            let kind = try reader.string()
            guard let known = ObjectKind(rawValue: kind) else { throw StorageError.invalidName(kind) }
            let objects = try await backend.list(known)
            start(.listing)
            reply.uint32(UInt32(objects.count))
            for object in objects {
                reply.string(object.name.name)
                reply.uint64(UInt64(object.size))
                reply.time(object.modified)
            }
        case .delete:
            let name = try reader.object()
            // A backup removes its own lock when done; nothing else may go.
            if appendOnly, name.kind != .locks { throw StorageError.appendOnly(name, location: "", action: "delete") }
            try await backend.delete(name)
            start(.ok)
        case .hello, .welcome, .ok, .bool, .data, .info, .listing, .failure:
            throw ServeFailure(.badRequest, reason: "a \(type) packet is not a request")
        }
        return reply.bytes
    }

    /// Append-only: a new name is linked into place (never replacing one written meanwhile);
    /// an existing object may be sent again only with the same bytes (a retried upload).
    /// Locks are refreshed in place, as everywhere.
    private func put(_ name: ObjectName, _ bytes: [UInt8]) async throws {
        guard appendOnly, name.kind != .locks else {
            try await backend.put(name, bytes: bytes)
            return
        }
        if try await backend.putNew(name, bytes: bytes) { return }
        guard try await backend.get(name) == bytes else {
            throw StorageError.appendOnly(name, location: "", action: "replace")
        }
    }

    static func id(of packet: [UInt8]) -> UInt32 {
        packet.count < 5 ? 0 : packet[1..<5].reduce(0) { $0 << 8 | UInt32($1) }
    }
}
