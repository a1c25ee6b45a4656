import Foundation

/// The SFTP session of one backend, started on first use (so naming a repository costs no
/// connection until something is read) and shared by every request after that.
///
/// Every session the process opens is listed, so `closeAll()` can end each ssh at exit.
final class SFTPSession: @unchecked Sendable {
    // @unchecked: `connecting` and `channel` are touched only under `lock`.
    private let lock = NSLock()
    private var connecting: Task<SFTPClient, any Error>?
    private var channel: PacketChannel?
    private let arguments: [String]
    let location: String

    // `open` is read and written only under `openLock`.
    private static let openLock = NSLock()
    nonisolated(unsafe) private static var open: [PacketChannel] = []

    /// - Parameter arguments: the argv that starts ssh's sftp subsystem (or an sftp-server).
    init(arguments: [String], location: String) {
        self.arguments = arguments
        self.location = location
    }

    /// The connected client; the first call starts ssh and greets the server.
    func client() async throws -> SFTPClient {
        let task = lock.withLock { () -> Task<SFTPClient, any Error> in
            if let connecting { return connecting }
            let started = Task { try await self.connect() }
            connecting = started
            return started
        }
        return try await task.value
    }

    /// Ends this session's ssh (a later request starts none again).
    func close() {
        let current = lock.withLock { () -> PacketChannel? in
            defer { channel = nil }
            return channel
        }
        current?.close()
    }

    /// Ends every session this process opened; the CLI calls it on every way out.
    static func closeAll() {
        let all = openLock.withLock { () -> [PacketChannel] in
            defer { open = [] }
            return open
        }
        for channel in all { channel.close() }
    }

    private func connect() async throws -> SFTPClient {
        let channel = try PacketChannel(launching: arguments, location: location)
        lock.withLock { self.channel = channel }
        Self.openLock.withLock { Self.open.append(channel) }
        do {
            return try await SFTPClient.connect(over: channel)
        } catch StorageError.ioFailure(let location, let reason, let retryable) {
            channel.close()
            throw StorageError.ioFailure(location, reason: reason + " (check that `ssh -s HOST sftp` logs in without a prompt; docs/SFTP.md)",
                                         retryable: retryable)
        } catch {
            channel.close()
            throw error
        }
    }
}
