/// A `kura serve` session over a `PacketChannel`: the hello, then requests, many in flight.
///
/// A request fails with `ServeFailure` when the server refuses or fails it, and with
/// `StorageError` when the session is gone (retryable: the next command connects afresh,
/// naming the host and what ssh said last) or the server sends something that is not a reply.
final class ServeClient: Sendable {
    let channel: PacketChannel
    /// What the welcome said the server allows.
    let flags: ServeFlags
    var location: String { channel.location }

    private init(channel: PacketChannel, flags: ServeFlags) {
        self.channel = channel
        self.flags = flags
    }

    /// Sends the hello naming `path` (the repository folder on the host) and reads the welcome;
    /// a refusal is the `ServeFailure` the server sent.
    static func connect(over channel: PacketChannel, path: String) async throws -> ServeClient {
        var hello = PacketWriter()
        hello.uint8(ServeMessage.hello.rawValue)
        hello.uint32(0)
        hello.string(ServeProtocol.magic)
        hello.uint32(ServeProtocol.version)
        hello.string(path)
        let reply = try await channel.handshake(hello.bytes)
        var reader = PacketReader(reply, offset: 5)
        do {
            // The server's refusal (a path outside --restrict-to), not a failure to log in.
            if reply.first == ServeMessage.failure.rawValue { throw try ServeFailure.decode(&reader) }
            guard reply.first == ServeMessage.welcome.rawValue, reply.count >= 5 else { throw PacketReader.Truncated() }
            let version = try reader.uint32()
            let flags = ServeFlags(rawValue: try reader.uint32())
            guard version >= 1, version <= ServeProtocol.version else {
                throw StorageError.ioFailure(channel.location, reason: "kura serve on the host speaks protocol version \(version), "
                                             + "this kura 1 to \(ServeProtocol.version); use the same kura on both hosts", retryable: false)
            }
            return ServeClient(channel: channel, flags: flags)
        } catch is PacketReader.Truncated {
            throw StorageError.ioFailure(channel.location, reason: "the far side did not answer as kura serve does", retryable: false)
        }
    }

    /// Sends a `type` request (`body` writes what follows the id) and returns the reply's reader
    /// past its id, once the reply is of type `expected`.
    func call(_ type: ServeMessage, expecting expected: ServeMessage,
              _ body: (inout PacketWriter) -> Void = { _ in }) async throws -> PacketReader {
        var packet = PacketWriter()
        packet.uint8(type.rawValue)
        packet.uint32(channel.nextRequestID())
        body(&packet)
        let reply: [UInt8]
        do {
            reply = try await channel.request(packet.bytes)
        } catch .ioFailure(let location, let reason, _) {
            // The session was up: a lost connection may come back.
            throw StorageError.ioFailure(location, reason: reason, retryable: true)
        }
        var reader = PacketReader(reply, offset: 5)
        do {
            if reply[0] == expected.rawValue { return reader }
            if reply[0] == ServeMessage.failure.rawValue { throw try ServeFailure.decode(&reader) }
        } catch is PacketReader.Truncated {}
        throw malformed("a reply of type \(reply[0]) where \(expected) was due")
    }

    /// `body` on a reply's reader; a reply that ends too early is a malformed reply.
    func parse<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch is PacketReader.Truncated {
            throw malformed("a truncated reply")
        }
    }

    private func malformed(_ what: String) -> StorageError {
        .ioFailure(location, reason: "kura serve sent \(what)", retryable: false)
    }
}
