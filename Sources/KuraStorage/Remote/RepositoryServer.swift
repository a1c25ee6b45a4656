import Foundation

/// `kura serve --stdio`: the far side of an `ssh://` repository. Reads requests from standard
/// input and writes replies to standard output (nothing else ever goes there), serving the
/// repository folder the client's hello names as a `LocalBackend`, under `rules`.
///
/// Requests are worked on concurrently (up to `ServeProtocol.inFlight`; replies go out as they
/// are ready, matched by id). It returns once standard input ends (the client, or ssh, is gone)
/// and the requests under way are answered.
public final class RepositoryServer: @unchecked Sendable {
    // @unchecked: `broken` is touched only under `sending`; the rest is fixed at init.
    private let rules: ServeRules
    private let input: Int32
    private let output: Int32
    private let start: String
    private let sending = NSLock()
    private var broken = false

    /// - Parameter start: the folder a relative repository path is under (the login folder).
    public init(rules: ServeRules, input: Int32 = 0, output: Int32 = 1,
                start: String = FileManager.default.currentDirectoryPath) {
        self.rules = rules
        self.input = input
        self.output = output
        self.start = start
    }

    public func run() async throws(ServeError) {
        // A client that hangs up must fail the write with EPIPE, not kill the server.
        signal(SIGPIPE, SIG_IGN)
        let (packets, incoming) = AsyncStream<[UInt8]>.makeStream()
        let slots = Slots(ServeProtocol.inFlight)
        let oversized = Oversized()
        // A thread of its own: a blocking read must never hold a thread of Swift's pool.
        Thread.detachNewThread { [input] in
            while true {
                slots.wait()
                switch Self.readPacket(from: input) {
                case .packet(let packet): incoming.yield(packet)
                case .tooLarge(let length):
                    oversized.set(length)
                    incoming.finish()
                    return
                case .end:
                    incoming.finish()
                    return
                }
            }
        }
        var iterator = packets.makeAsyncIterator()
        guard let hello = await iterator.next() else {
            if let length = oversized.length { throw .packetTooLarge(length) }
            return
        }
        let served = try greet(hello)
        slots.signal()
        await withTaskGroup(of: Void.self) { group in
            while let packet = await iterator.next() {
                guard packet.count >= 5 else {
                    send(ServeFailure(.badRequest, reason: "a packet without a request id").encode(id: 0))
                    slots.signal()
                    continue
                }
                group.addTask {
                    self.send(await served.reply(to: packet))
                    slots.signal()
                }
            }
        }
        if let length = oversized.length { throw .packetTooLarge(length) }
    }

    /// Answers the hello: the welcome, or the failure that also ends the server.
    private func greet(_ hello: [UInt8]) throws(ServeError) -> ServedRepository {
        var reader = PacketReader(hello, offset: 5)
        guard hello.first == ServeMessage.hello.rawValue, (try? reader.string()) == ServeProtocol.magic,
              let offered = try? reader.uint32(), let requested = try? reader.string() else {
            send(ServeFailure(.badRequest, reason: "the first packet is not a kura serve hello").encode(id: 0))
            throw .notAHello
        }
        guard offered >= 1 else {
            send(ServeFailure(.unsupported, reason: "protocol version \(offered); this kura serve speaks 1 to \(ServeProtocol.version)")
                .encode(id: 0))
            throw .unsupportedVersion(offered)
        }
        let root: String
        do throws(ServeFailure) {
            root = try rules.resolve(requested, from: start)
        } catch {
            send(error.encode(id: 0))
            throw .refusedPath(requested, reason: error.code == .pathNotAllowed
                ? "outside --restrict-to " + rules.restrictedTo.joined(separator: ", ") : error.reason)
        }
        var welcome = PacketWriter()
        welcome.uint8(ServeMessage.welcome.rawValue)
        welcome.uint32(0)
        welcome.uint32(min(offered, ServeProtocol.version))
        welcome.uint32((rules.appendOnly ? ServeFlags.appendOnly : []).rawValue)
        welcome.uint32(UInt32(ServeProtocol.maximumPacket))
        send(welcome.bytes)
        return ServedRepository(backend: LocalBackend(path: root), appendOnly: rules.appendOnly)
    }

    /// Writes one framed packet; once the client is gone, writes nothing more.
    private func send(_ payload: [UInt8]) {
        sending.withLock {
            guard !broken else { return }
            let length = UInt32(payload.count)
            let header = [UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)]
            if !Self.writeAll(header, to: output) || !Self.writeAll(payload, to: output) { broken = true }
        }
    }

    private enum Read {
        case packet([UInt8])
        case tooLarge(Int)
        case end
    }

    private static func readPacket(from descriptor: Int32) -> Read {
        guard let header = readExactly(4, from: descriptor) else { return .end }
        let length = header.reduce(0) { $0 << 8 | Int($1) }
        guard length <= ServeProtocol.maximumPacket else { return .tooLarge(length) }
        guard length > 0, let payload = readExactly(length, from: descriptor) else { return .end }
        return .packet(payload)
    }

    private static func readExactly(_ count: Int, from descriptor: Int32) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + filled, count - filled) }
            if got < 0, errno == EINTR { continue }
            guard got > 0 else { return nil }
            filled += got
        }
        return bytes
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, bytes.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }

    /// Requests under way, at most `limit`: the reader thread takes a slot before it reads a
    /// packet and a reply gives it back. (Not a DispatchSemaphore: one released below its
    /// starting value traps, and a server may stop with slots taken.)
    private final class Slots: @unchecked Sendable {
        // @unchecked: `free` is touched only under `condition`.
        private let condition = NSCondition()
        private var free: Int

        init(_ limit: Int) { free = limit }

        func wait() {
            condition.withLock {
                while free == 0 { condition.wait() }
                free -= 1
            }
        }

        func signal() {
            condition.withLock {
                free += 1
                condition.signal()
            }
        }
    }

    /// The length of a packet too large to read, set by the reader thread.
    private final class Oversized: @unchecked Sendable {
        // @unchecked: `value` is touched only under `lock`.
        private let lock = NSLock()
        private var value: Int?
        func set(_ length: Int) { lock.withLock { value = length } }
        var length: Int? { lock.withLock { value } }
    }
}

/// Why `kura serve` stopped before its client closed the connection; said on standard error
/// (which ssh relays to the client) as well as in the reply the client already has.
public enum ServeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The first packet is not a kura hello: another program, or a person at a terminal.
    case notAHello
    /// The client speaks only protocol versions this server does not.
    case unsupportedVersion(UInt32)
    /// The hello named a path this server does not serve.
    case refusedPath(String, reason: String)
    /// A packet longer than the protocol allows.
    case packetTooLarge(Int)

    public var description: String {
        switch self {
        case .notAHello:
            "the client did not greet as kura does; kura serve --stdio is run by ssh for an ssh:// repository (docs/SERVE.md)"
        case .unsupportedVersion(let version):
            "the client speaks protocol version \(version), this kura serve only 1 to \(ServeProtocol.version); use the same kura on both hosts"
        case .refusedPath(let path, let reason): "refused to serve \(path): \(reason)"
        case .packetTooLarge(let length):
            "the client sent a packet of \(length) bytes (the limit is \(ServeProtocol.maximumPacket)); stopped"
        }
    }
}
