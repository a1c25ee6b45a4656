import Foundation

/// A child process (ssh) spoken to in length-prefixed packets over its stdin and stdout.
///
/// Each packet is a uint32 big-endian length, then that many payload bytes. Replies are
/// matched to requests by the uint32 big-endian request id at payload bytes 1..<5 (byte 0 is
/// the packet type): SFTP's layout, which the `kura serve` protocol shares. Many requests may
/// be in flight; a reader thread routes replies and a writer thread sends, so no async task
/// ever blocks on the pipe. Once the process exits or the pipe breaks, every pending and later
/// request fails with one `StorageError.ioFailure` naming what ssh last said.
public final class PacketChannel: @unchecked Sendable {
    // @unchecked: every mutable field below is read and written only under `lock`; the pipes'
    // descriptors are fixed at init and owned by the reader and writer threads.
    private let lock = NSLock()
    private let sendable = NSCondition()
    private var outgoing: [[UInt8]] = []
    private var pending: [UInt32: CheckedContinuation<[UInt8], any Error>] = [:]
    private var handshakeReply: CheckedContinuation<[UInt8], any Error>?
    private var lastID: UInt32 = 0
    private var failure: StorageError?
    private var inputOpen = true

    private let process: ChildProcess
    private let input: Int32
    private let output: Int32
    private let diagnostics: ChildDiagnostics
    /// Where the far side is, for messages.
    public let location: String
    /// The largest packet accepted from the far side.
    public let maximumPacket: Int

    /// Starts `arguments` (its first word found on PATH) with its stdin and stdout as the channel.
    public init(launching arguments: [String], location: String, maximumPacket: Int = 256 << 20) throws(StorageError) {
        self.location = location
        self.maximumPacket = maximumPacket
        guard let program = arguments.first, let executable = ExecutableSearch.locate(program) else {
            throw .ioFailure(location, reason: "cannot run \(arguments.first ?? "ssh"): no such command on PATH", retryable: false)
        }
        // A far side that hangs up must fail the write with EPIPE, not kill Kura.
        signal(SIGPIPE, SIG_IGN)
        do {
            process = try ChildProcess(executable: executable, arguments: Array(arguments.dropFirst()))
        } catch {
            throw .ioFailure(location, reason: "cannot run \(program): \(error.reason)", retryable: false)
        }
        input = process.input
        output = process.output
        diagnostics = ChildDiagnostics(reading: process.errors)
        Thread.detachNewThread { [self] in readLoop() }
        Thread.detachNewThread { [self] in writeLoop() }
    }

    /// One packet out and one back, before any `request` (SFTP's INIT/VERSION, a serve hello).
    public func handshake(_ payload: [UInt8]) async throws(StorageError) -> [UInt8] {
        try await awaitReply(sending: payload) { continuation in
            lock.withLock {
                if let failure { return failure }
                handshakeReply = continuation
                return nil
            }
        }
    }

    /// A fresh request id to put at payload bytes 1..<5.
    public func nextRequestID() -> UInt32 {
        lock.withLock {
            lastID &+= 1
            return lastID
        }
    }

    /// Sends `payload` (its id already at bytes 1..<5) and returns the reply carrying that id.
    public func request(_ payload: [UInt8]) async throws(StorageError) -> [UInt8] {
        guard payload.count >= 5 else {
            throw .ioFailure(location, reason: "a request packet without an id", retryable: false)
        }
        let id = Self.requestID(in: payload)
        return try await awaitReply(sending: payload) { continuation in
            lock.withLock {
                if let failure { return failure }
                pending[id] = continuation
                return nil
            }
        }
    }

    /// Closes the far side's input, gives it two seconds to exit, then kills it. Owners must
    /// call it: the reader and writer threads keep the channel alive until the far side exits.
    public func close() {
        let wasOpen = lock.withLock {
            defer { inputOpen = false }
            return inputOpen
        }
        guard wasOpen else { return }
        sendable.withLock { sendable.broadcast() }
        if process.waitForEnd(within: 2) == nil { process.terminate() }
    }

    /// Registers the continuation (or finds the channel failed), then queues `payload`.
    private func awaitReply(sending payload: [UInt8],
                            _ register: (CheckedContinuation<[UInt8], any Error>) -> StorageError?) async throws(StorageError) -> [UInt8] {
        do {
            return try await withCheckedThrowingContinuation { continuation in
                if let failure = register(continuation) {
                    continuation.resume(throwing: failure)
                    return
                }
                sendable.withLock {
                    outgoing.append(Self.framed(payload))
                    sendable.signal()
                }
            }
        } catch let error as StorageError {
            throw error
        } catch {
            throw .ioFailure(location, reason: "\(error)", retryable: false)
        }
    }

    private func writeLoop() {
        defer { Glibc.close(input) }
        while true {
            let next: [UInt8]? = sendable.withLock {
                while outgoing.isEmpty, lock.withLock({ inputOpen && failure == nil }) { sendable.wait() }
                return outgoing.isEmpty ? nil : outgoing.removeFirst()
            }
            guard let next else { return }
            if let code = Self.writeAll(next, to: input) {
                // A broken pipe is the far side gone: say what ssh said, as a read would.
                fail(reason: code == EPIPE ? nil : "cannot send to it (\(String(cString: strerror(code))))")
                return
            }
        }
    }

    private func readLoop() {
        defer { Glibc.close(output) }
        while true {
            guard let header = Self.readExactly(4, from: output) else {
                fail(reason: nil)
                return
            }
            let length = header.reduce(0) { $0 << 8 | Int($1) }
            guard length <= maximumPacket, length > 0 else {
                fail(reason: "it sent a packet of \(length) bytes (the limit is \(maximumPacket))")
                return
            }
            guard let payload = Self.readExactly(length, from: output) else {
                fail(reason: nil)
                return
            }
            route(payload)
        }
    }

    private func route(_ payload: [UInt8]) {
        let waiter: CheckedContinuation<[UInt8], any Error>? = lock.withLock {
            if let handshake = handshakeReply {
                handshakeReply = nil
                return handshake
            }
            guard payload.count >= 5 else { return nil }
            return pending.removeValue(forKey: Self.requestID(in: payload))
        }
        guard let waiter else {
            fail(reason: "it sent a reply to no request")
            return
        }
        waiter.resume(returning: payload)
    }

    /// Fails every pending and later request; `reason` nil means the far side hung up.
    private func fail(reason: String?) {
        let why = reason ?? hangUpReason()
        let error = StorageError.ioFailure(location, reason: why, retryable: false)
        let waiters: [CheckedContinuation<[UInt8], any Error>] = lock.withLock {
            guard failure == nil else { return [] }
            failure = error
            let all = Array(pending.values) + (handshakeReply.map { [$0] } ?? [])
            pending = [:]
            handshakeReply = nil
            return all
        }
        sendable.withLock { sendable.broadcast() }
        for waiter in waiters { waiter.resume(throwing: error) }
    }

    /// What ssh said last, or how it ended.
    private func hangUpReason() -> String {
        let ending = process.waitForEnd(within: 2)
        diagnostics.finish(within: 1)
        if let said = diagnostics.lastLine { return "the connection ended: \(said)" }
        switch ending {
        case nil: return "the connection ended"
        case .killed(let signal): return "the connection ended: ssh was killed by signal \(signal)"
        case .exited(let status): return "the connection ended: ssh exited with status \(status)"
        }
    }

    private static func requestID(in payload: [UInt8]) -> UInt32 {
        payload[1..<5].reduce(0) { $0 << 8 | UInt32($1) }
    }

    private static func framed(_ payload: [UInt8]) -> [UInt8] {
        let length = UInt32(payload.count)
        return [UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)] + payload
    }

    /// nil, or the errno that stopped the write.
    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Int32? {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, bytes.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += written
        }
        return nil
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
}
