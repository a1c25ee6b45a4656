import Foundation

/// One backend's connection to a far side (ssh's sftp subsystem, a `kura serve --stdio`),
/// started on first use (so naming a repository costs no connection until something is read)
/// and shared by every request after that. `greet` turns the fresh channel into the client
/// that speaks the protocol (SFTP's INIT, serve's hello).
///
/// Every channel the process opens is listed, so `closeAll()` can end each ssh at exit.
final class ChannelSession<Client: Sendable>: @unchecked Sendable {
    // @unchecked: `connecting` and `channel` are touched only under `lock`.
    private let lock = NSLock()
    private var connecting: Task<Client, any Error>?
    private var channel: PacketChannel?
    private let arguments: [String]
    private let greet: @Sendable (PacketChannel) async throws -> Client
    private let advice: String
    let location: String

    /// - Parameters:
    ///   - arguments: the argv that starts the far side (ssh, or a server run directly).
    ///   - advice: appended to a failure to connect, to say how to check the login by hand.
    init(arguments: [String], location: String, advice: String,
         greet: @escaping @Sendable (PacketChannel) async throws -> Client) {
        self.arguments = arguments
        self.location = location
        self.advice = advice
        self.greet = greet
    }

    /// The connected client; the first call starts the far side and greets it.
    func client() async throws -> Client {
        let task = lock.withLock { () -> Task<Client, any Error> in
            if let connecting { return connecting }
            let started = Task { try await self.connect() }
            connecting = started
            return started
        }
        return try await task.value
    }

    /// Ends this session's far side (a later request starts none again).
    func close() {
        let current = lock.withLock { () -> PacketChannel? in
            defer { channel = nil }
            return channel
        }
        current?.close()
    }

    private func connect() async throws -> Client {
        let channel = try PacketChannel(launching: arguments, location: location)
        lock.withLock { self.channel = channel }
        OpenChannels.add(channel)
        do {
            return try await greet(channel)
        } catch StorageError.ioFailure(let location, let reason, let retryable) {
            channel.close()
            throw StorageError.ioFailure(location, reason: reason + advice, retryable: retryable)
        } catch {
            channel.close()
            throw error
        }
    }
}

/// Every packet channel this process opened, so that no ssh outlives the command.
public enum OpenChannels {
    private static let lock = NSLock()
    // `open` is read and written only under `lock`.
    nonisolated(unsafe) private static var open: [PacketChannel] = []

    static func add(_ channel: PacketChannel) {
        lock.withLock { open.append(channel) }
    }

    /// Closes every channel (SFTP sessions and `kura serve` connections alike); the CLI calls
    /// it on every way out.
    public static func closeAll() {
        let all = lock.withLock { () -> [PacketChannel] in
            defer { open = [] }
            return open
        }
        for channel in all { channel.close() }
    }
}
