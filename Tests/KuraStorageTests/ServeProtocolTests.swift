import Foundation
import KuraStorage
import KuraTestSupport
import Testing

/// The serve protocol byte for byte, as docs/SERVE.md writes it, against the real
/// `kura serve --stdio`: what a hostile or broken client gets, and how the server ends.
@Suite struct ServeProtocolTests {
    /// HELLO (type 1, id 0): "kura-serve", version, the repository path.
    static func hello(_ path: String, version: UInt32 = 1) -> [UInt8] {
        var packet = PacketWriter()
        packet.uint8(1)
        packet.uint32(0)
        packet.string("kura-serve")
        packet.uint32(version)
        packet.string(path)
        return packet.bytes
    }

    /// A request of `type` with a fresh id; `body` writes the rest.
    static func request(_ channel: PacketChannel, _ type: UInt8, _ body: (inout PacketWriter) -> Void = { _ in }) -> [UInt8] {
        var packet = PacketWriter()
        packet.uint8(type)
        packet.uint32(channel.nextRequestID())
        body(&packet)
        return packet.bytes
    }

    /// The failure code (type 110) of a reply, nil for any other reply.
    static func failureCode(_ reply: [UInt8]) -> UInt32? {
        guard reply.first == 110 else { return nil }
        var reader = PacketReader(reply, offset: 5)
        return try? reader.uint32()
    }

    @Test func hostileRequestsAreRefusedAndTheServerCarriesOn() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kura-serve-proto-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let channel = try PacketChannel(launching: [KuraBinary.path, "serve", "--stdio", "--append-only"], location: "serve")
        defer { channel.close() }
        let welcome = try await channel.handshake(Self.hello(root + "/repo"))
        var reader = PacketReader(welcome, offset: 5)
        let (version, flags) = (try reader.uint32(), try reader.uint32())
        #expect(welcome.first == 2 && version == 1 && flags == 1, "version 1, append-only")
        #expect(Self.failureCode(try await channel.request(Self.request(channel, 10))) == nil, "create")

        let escape: (inout PacketWriter) -> Void = { packet in
            packet.string("data")
            packet.string("../../../escaped")
            packet.data([1])
        }
        #expect(Self.failureCode(try await channel.request(Self.request(channel, 12, escape))) == 4, "invalid name")
        let unknownKind: (inout PacketWriter) -> Void = { packet in
            packet.string("../etc")
            packet.string("passwd")
        }
        #expect(Self.failureCode(try await channel.request(Self.request(channel, 13, unknownKind))) == 4, "unknown kind")
        let truncated: (inout PacketWriter) -> Void = { packet in
            packet.string("index")
            packet.uint32(1000)   // a name said to be 1000 bytes, that never comes
        }
        #expect(Self.failureCode(try await channel.request(Self.request(channel, 12, truncated))) == 11, "truncated")
        #expect(Self.failureCode(try await channel.request(Self.request(channel, 99))) == 13, "unknown type")
        let huge: (inout PacketWriter) -> Void = { packet in
            packet.string("index")
            packet.string("i1")
            packet.uint64(0)
            packet.uint64(1 << 40)
        }
        #expect(Self.failureCode(try await channel.request(Self.request(channel, 14, huge))) == 12, "a range too large")
        let wipeConfig: (inout PacketWriter) -> Void = { packet in
            packet.string("config")
            packet.string("config")
        }
        #expect(Self.failureCode(try await channel.request(Self.request(channel, 17, wipeConfig))) == 9, "append-only")
        // Still serving.
        let exists = try await channel.request(Self.request(channel, 11))
        #expect(exists.first == 101 && exists.last == 1)
        #expect(!FileManager.default.fileExists(atPath: root + "/escaped") && !FileManager.default.fileExists(atPath: "/escaped"))
    }

    @Test func aPathOutsideRestrictToIsRefusedInTheWelcome() async throws {
        let channel = try PacketChannel(launching: [KuraBinary.path, "serve", "--stdio", "--restrict-to", "/srv/kura"],
                                        location: "serve")
        defer { channel.close() }
        let reply = try await channel.handshake(Self.hello("/etc"))
        #expect(Self.failureCode(reply) == 10)
    }

    /// Standard output holds the protocol and nothing else, and the server exits 0 as soon as
    /// its input closes (ssh gone), without waiting for anything.
    @Test func theServerExitsWhenItsInputCloses() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kura-serve-exit-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: KuraBinary.path)
        process.arguments = ["serve", "--stdio"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let hello = Self.hello(root)
        let length = UInt32(hello.count)
        input.fileHandleForWriting.write(Data([UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff),
                                               UInt8(length & 0xff)] + hello))
        try input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        #expect(!process.isRunning, "kura serve still runs with its input closed")
        if process.isRunning { process.terminate() }
        let written = [UInt8](output.fileHandleForReading.readDataToEndOfFile())
        // One welcome: type 2, id 0, version, flags, the packet limit.
        #expect(written.count == 4 + 17 && written[4] == 2, "\(written)")
        #expect(process.terminationStatus == 0)
    }
}

extension ServeProtocolTests {
    /// A NUL in the hello's path would cut it short in the system calls after the check.
    @Test func aPathWithANulIsRefused() async throws {
        let allowed = FileManager.default.temporaryDirectory.appendingPathComponent("kura-serve-nul-\(UUID().uuidString)").path
        let channel = try PacketChannel(launching: [KuraBinary.path, "serve", "--stdio", "--restrict-to", allowed], location: "serve")
        defer { channel.close() }
        let reply = try await channel.handshake(Self.hello("/etc\u{0}" + allowed))
        #expect(Self.failureCode(reply) == 11)
    }
}
