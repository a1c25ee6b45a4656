import Foundation
import KuraStorage
import KuraTestSupport
import Testing

/// PacketChannel against OpenSSH's real sftp-server, run directly and through a real sshd.
@Suite struct PacketChannelTests {
    /// SSH_FXP_INIT with version 3; the server answers SSH_FXP_VERSION.
    static func initPacket() -> [UInt8] {
        var packet = PacketWriter()
        packet.uint8(1)
        packet.uint32(3)
        return packet.bytes
    }

    /// SSH_FXP_STAT of `path`; the server answers ATTRS (105) or STATUS (101).
    static func statPacket(_ channel: PacketChannel, _ path: String) -> [UInt8] {
        var packet = PacketWriter()
        packet.uint8(17)
        packet.uint32(channel.nextRequestID())
        packet.string(path)
        return packet.bytes
    }

    @Test func manyRequestsInFlightGetTheirOwnReplies() async throws {
        let channel = try PacketChannel(launching: [OpenSSHServer.sftpServer], location: "sftp-server")
        defer { channel.close() }
        let version = try await channel.handshake(Self.initPacket())
        #expect(version.first == 2)
        let folder = FileManager.default.temporaryDirectory.path
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    let path = index % 2 == 0 ? folder : folder + "/no-such-\(index)"
                    let request = Self.statPacket(channel, path)
                    let reply = try await channel.request(request)
                    #expect(Array(reply[1..<5]) == Array(request[1..<5]))
                    #expect(reply[0] == (index % 2 == 0 ? 105 : 101))
                }
            }
            try await group.waitForAll()
        }
    }

    @Test func aFarSideThatDiesFailsPendingAndLaterRequests() async throws {
        let channel = try PacketChannel(launching: ["/bin/sh", "-c", "read line; echo gone >&2; exit 7"],
                                        location: "far-side")
        defer { channel.close() }
        await #expect(throws: StorageError.self) { try await channel.handshake(Self.initPacket() + [10]) }
        do {
            _ = try await channel.request([17, 0, 0, 0, 1])
            Issue.record("a request on a dead channel succeeded")
        } catch {
            guard case .ioFailure(let location, let reason, false) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(location == "far-side")
            #expect(reason.contains("gone"))
        }
    }

    /// A reply is read from an offset (after its type and id); a byte there once trapped.
    @Test func packetReaderReadsAfterAnOffsetAndThrowsPastTheEnd() throws {
        var reader = PacketReader([101, 0, 0, 0, 7, 42, 0, 0, 0, 1, 9], offset: 5)
        #expect(try reader.uint8() == 42)
        #expect(try reader.data() == [9])
        #expect(throws: PacketReader.Truncated.self) { try reader.uint8() }
        var hostile = PacketReader([0, 0, 0, 200, 1])
        #expect(throws: PacketReader.Truncated.self) { try hostile.data() }
    }

    @Test func aMissingProgramIsAnErrorNotATrap() {
        #expect(throws: StorageError.self) { try PacketChannel(launching: ["no-such-ssh-\(UUID())"], location: "x") }
    }

    @Test func throughARealSSHServer() async throws {
        let server = try OpenSSHServer()
        let address = SSHAddress(user: nil, host: "kura-test", port: nil, path: "/")
        let ssh = SSHCommand.fromEnvironment(["KURA_SSH": server.sshCommand])
        let channel = try PacketChannel(launching: ssh.arguments(to: address, subsystem: "sftp"), location: "sftp:kura-test:/")
        defer { channel.close() }
        #expect(try await channel.handshake(Self.initPacket()).first == 2)
        #expect(try await channel.request(Self.statPacket(channel, "/")).first == 105)

        let started = Date()
        server.stop(kill: true)
        await #expect(throws: StorageError.self) {
            for _ in 0..<100 {
                _ = try await channel.request(Self.statPacket(channel, "/"))
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        #expect(Date().timeIntervalSince(started) < 10)
    }

    @Test func anUnauthorizedKeySaysWhatSSHSaid() async throws {
        let server = try OpenSSHServer()
        let stranger = server.sshCommand.replacingOccurrences(of: "ssh_config_1", with: "ssh_config_stranger")
        let config = try String(contentsOfFile: server.directory + "/ssh_config_1", encoding: .utf8)
        try FileManager.default.createDirectory(atPath: server.directory + "/stranger", withIntermediateDirectories: true)
        _ = try Process.run(URL(fileURLWithPath: "/usr/bin/ssh-keygen"),
                            arguments: ["-q", "-t", "ed25519", "-N", "", "-f", server.directory + "/stranger/key"])
            .waitUntilExitReturningSelf()
        try config.replacingOccurrences(of: server.directory + "/client_key_1", with: server.directory + "/stranger/key")
            .write(toFile: server.directory + "/ssh_config_stranger", atomically: true, encoding: .utf8)
        let address = SSHAddress(user: nil, host: "kura-test", port: nil, path: "/")
        let ssh = SSHCommand.fromEnvironment(["KURA_SSH": stranger])
        let channel = try PacketChannel(launching: ssh.arguments(to: address, subsystem: "sftp"), location: "sftp:kura-test:/")
        defer { channel.close() }
        do {
            _ = try await channel.handshake(Self.initPacket())
            Issue.record("a stranger's key got in")
        } catch {
            #expect("\(error)".contains("Permission denied"))
        }
    }
}

extension Process {
    fileprivate func waitUntilExitReturningSelf() -> Process {
        waitUntilExit()
        return self
    }
}
