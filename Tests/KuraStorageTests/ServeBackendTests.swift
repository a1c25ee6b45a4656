import Foundation
import KuraStorage
import KuraTestSupport
import Testing

/// SSHBackend against the real `kura serve --stdio`, run directly and through a real sshd.
@Suite struct ServeBackendTests {
    static func scratch() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("kura-serve-\(UUID().uuidString)").path
    }

    /// `kura serve --stdio` with `options`, run directly (no ssh).
    static func direct(_ path: String, _ options: [String] = [], in folder: String? = nil) -> SSHBackend {
        let serve = [KuraBinary.path, "serve", "--stdio"] + options
        let arguments = folder.map { ["/bin/sh", "-c", "cd '\($0)' && exec " + serve.joined(separator: " ")] } ?? serve
        return SSHBackend(launching: arguments, location: "serve:\(path)", path: path)
    }

    /// Through sshd as the key without options: the client runs the built kura on the far side.
    static func throughSSHD(_ server: OpenSSHServer, _ path: String, ssh: String? = nil) -> SSHBackend {
        SSHBackend(address: SSHAddress(user: nil, host: "kura-test", port: nil, path: path),
                   ssh: SSHCommand.fromEnvironment(["KURA_SSH": ssh ?? server.sshCommand]), remote: [KuraBinary.path])
    }

    @Test func conformanceWithServeRunDirectly() async throws {
        let path = Self.scratch() + "/deeper/repo"
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let backend = Self.direct(path)
        defer { backend.close() }
        try await BackendConformance.run(backend)
        #expect(try await backend.isAppendOnly() == false)
    }

    @Test func conformanceThroughSSHD() async throws {
        let server = try OpenSSHServer()
        let path = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let backend = Self.throughSSHD(server, path)
        defer { backend.close() }
        try await BackendConformance.run(backend)
        #expect(backend.location == "ssh://kura-test\(path)")
    }

    /// The same conformance through an append-only forced command, but for what it refuses:
    /// every delete and replacement of a kind that is not a lock.
    @Test func appendOnlyAddsButNeverDeletesOrReplaces() async throws {
        let server = try OpenSSHServer()
        let path = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let key = try server.authorize(options: "command=\"\(KuraBinary.path) serve --stdio --append-only\",restrict")
        let backend = Self.throughSSHD(server, path, ssh: key)
        defer { backend.close() }
        try await backend.create()
        #expect(try await backend.isAppendOnly())
        let location = "ssh://kura-test\(path)"
        for kind in ObjectKind.allCases where kind != .locks {
            let name = try ObjectName(kind, kind == .data ? "ab" + String(repeating: "c", count: 62) : "object-1")
            try await backend.put(name, bytes: [1, 2, 3])
            try await backend.put(name, bytes: [1, 2, 3])   // the same bytes again: a retried upload
            await #expect(throws: StorageError.appendOnly(name, location: location, action: "replace")) {
                try await backend.put(name, bytes: [9])
            }
            await #expect(throws: StorageError.appendOnly(name, location: location, action: "delete")) {
                try await backend.delete(name)
            }
            #expect(try await LocalBackend(path: path).get(name) == [1, 2, 3], "\(name)")
        }
        // A backup refreshes and removes its own lock.
        let lock = try ObjectName(.locks, "lock-1")
        try await backend.put(lock, bytes: [1])
        try await backend.put(lock, bytes: [2])
        #expect(try await backend.get(lock) == [2])
        try await backend.delete(lock)
        #expect(try await backend.stat(lock) == nil)
        #expect("\(StorageError.appendOnly(lock, location: location, action: "delete"))".contains("admin's key"))
    }

    @Test func restrictToRefusesOtherFoldersAndLinksOut() async throws {
        let base = Self.scratch()
        let allowed = base + "/allowed", other = base + "/other"
        for folder in [allowed, other] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        try FileManager.default.createSymbolicLink(atPath: allowed + "/link", withDestinationPath: other)
        defer { try? FileManager.default.removeItem(atPath: base) }
        for refused in [other + "/repo", allowed + "/link/repo", allowed + "-sibling/repo", "/"] {
            let backend = Self.direct(refused, ["--restrict-to", allowed])
            defer { backend.close() }
            await #expect(throws: StorageError.pathNotAllowed("serve:\(refused)", allowed: [allowed]), "\(refused)") {
                try await backend.create()
            }
        }
        let climbing = Self.direct(allowed + "/../other/repo", ["--restrict-to", allowed])
        defer { climbing.close() }
        do {
            try await climbing.create()
            Issue.record("a path with .. was served")
        } catch {
            #expect("\(error)".contains("'..'"), "\(error)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: other).isEmpty)
        // Below an allowed folder (named with a trailing slash) is served, as is one of several.
        let inside = Self.direct(allowed + "/host1", ["--restrict-to", other, "--restrict-to", allowed + "/"])
        defer { inside.close() }
        try await inside.create()
        #expect(FileManager.default.fileExists(atPath: allowed + "/host1/keys"))
    }

    /// A relative path is under the folder serve starts in (the login folder, through ssh).
    @Test func aRelativePathIsUnderTheStartFolder() async throws {
        let home = Self.scratch()
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        let backend = Self.direct("kura/repo", ["--restrict-to", "kura"], in: home)
        defer { backend.close() }
        try await backend.create()
        #expect(FileManager.default.fileExists(atPath: "\(home)/kura/repo/keys"))
    }

    @Test func concurrentTransfersShareOneConnection() async throws {
        let path = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let backend = Self.direct(path)
        defer { backend.close() }
        try await backend.create()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<24 {
                group.addTask {
                    let name = try ObjectName(.data, String(format: "%02x", index) + "-object")
                    let bytes = (0..<(2_000_000 + index)).map { UInt8(truncatingIfNeeded: $0 &* (index + 3)) }
                    try await backend.put(name, bytes: bytes)
                    #expect(try await backend.get(name) == bytes)
                    #expect(try await backend.get(name, offset: 1_000_001, length: 7) == Array(bytes[1_000_001..<1_000_008]))
                }
            }
            try await group.waitForAll()
        }
        #expect(try await backend.list(.data).count == 24)
    }

    /// A server that is gone fails the request with a retryable error naming the location.
    @Test func aLostConnectionIsARetryableErrorNamingTheHost() async throws {
        let server = try OpenSSHServer()
        let path = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let backend = Self.throughSSHD(server, path)
        defer { backend.close() }
        try await backend.create()
        server.stop(kill: true)
        do {
            _ = try await backend.list(.data)
            Issue.record("a listing over a dead connection succeeded")
        } catch let error as StorageError {
            #expect(error.isRetryable)
            #expect("\(error)".contains("ssh://kura-test\(path)") && "\(error)".contains("the connection ended"), "\(error)")
        }
    }

    @Test func anUnreachableHostSaysWhatSSHSaid() async throws {
        let server = try OpenSSHServer()
        let backend = SSHBackend(address: SSHAddress(user: nil, host: "127.0.0.1", port: 1, path: "/tmp/x"),
                                 ssh: SSHCommand.fromEnvironment(["KURA_SSH": server.sshCommand]), remote: [KuraBinary.path])
        defer { backend.close() }
        do {
            _ = try await backend.exists()
            Issue.record("a dead server answered")
        } catch {
            #expect("\(error)".contains("Connection refused"))
            #expect(!"\(error)".contains("\n"))
            #expect("\(error)".contains("ssh://127.0.0.1:1/tmp/x") && "\(error)".contains("KURA_REMOTE_COMMAND"), "\(error)")
        }
    }

    /// A far side that is not kura (here a shell that runs no serve) is named as such.
    @Test func aFarSideThatIsNotKuraServeIsNamed() async throws {
        let backend = SSHBackend(launching: ["/bin/sh", "-c", "echo 'kura: command not found' >&2; exit 127"],
                                 location: "ssh://box/srv/kura", path: "/srv/kura")
        defer { backend.close() }
        do {
            _ = try await backend.exists()
            Issue.record("a shell answered as kura serve")
        } catch {
            #expect("\(error)".contains("ssh://box/srv/kura") && "\(error)".contains("kura: command not found"), "\(error)")
        }
    }
}
