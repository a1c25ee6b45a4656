import Foundation
import KuraStorage
import KuraTestSupport
import Testing

/// SFTPBackend against OpenSSH's real sftp-server, run directly and through a real sshd.
@Suite struct SFTPBackendTests {
    static func scratch() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("kura-sftp-\(UUID().uuidString)").path
    }

    static func direct(_ root: String, startingIn folder: String? = nil) -> SFTPBackend {
        let arguments = [OpenSSHServer.sftpServer] + (folder.map { ["-d", $0] } ?? [])
        return SFTPBackend(launching: arguments, location: "sftp-server:\(root)", root: root)
    }

    @Test func conformanceWithSFTPServerRunDirectly() async throws {
        let path = Self.scratch() + "/deeper/repo"
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let backend = Self.direct(path)
        defer { backend.close() }
        try await BackendConformance.run(backend)
    }

    @Test func conformanceThroughSSHD() async throws {
        let server = try OpenSSHServer()
        let path = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let backend = SFTPBackend(address: SSHAddress(user: nil, host: "kura-test", port: nil, path: path),
                                  ssh: SSHCommand.fromEnvironment(["KURA_SSH": server.sshCommand]))
        defer { backend.close() }
        try await BackendConformance.run(backend)
        #expect(backend.location == "sftp:kura-test:\(path)")
    }

    /// The layout is LocalBackend's: what one writes, the other reads, byte for byte.
    @Test func theLayoutIsTheLocalBackends() async throws {
        let path = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let remote = Self.direct(path)
        defer { remote.close() }
        try await remote.create()
        let pack = try ObjectName(.data, "9f" + String(repeating: "e", count: 62))
        let lock = try ObjectName(.locks, "l1")
        try await remote.put(pack, bytes: [1, 2, 3])
        try await remote.put(lock, bytes: [4])
        let local = LocalBackend(path: path)
        #expect(try await local.exists())
        #expect(try await local.get(pack) == [1, 2, 3])
        let attributes = try FileManager.default.attributesOfItem(atPath: "\(path)/data/9f/\(pack.name)")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o400)
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(path)/locks") == ["l1"])
        let index = try ObjectName(.index, "i1")
        try await local.put(index, bytes: [9, 9])
        #expect(try await remote.list(.index).map(\.name) == [index])
        #expect(try await remote.get(index) == [9, 9])
    }

    /// A relative path is under the server's start (login) folder.
    @Test func aRelativePathIsUnderTheStartFolder() async throws {
        let home = Self.scratch()
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        let backend = Self.direct("repo", startingIn: home)
        defer { backend.close() }
        try await backend.create()
        #expect(FileManager.default.fileExists(atPath: "\(home)/repo/keys"))
    }

    @Test func aFolderOfOtherFilesIsNotMadeARepository() async throws {
        let path = Self.scratch()
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: "\(path)/notes.txt", contents: Data("x".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let backend = Self.direct(path)
        defer { backend.close() }
        await #expect(throws: StorageError.locationNotEmpty("sftp-server:\(path)")) { try await backend.create() }
    }

    @Test func missingRepositoryAndObjectsAreNamed() async throws {
        let path = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let backend = Self.direct(path)
        defer { backend.close() }
        let config = try ObjectName(.config, "config")
        await #expect(throws: StorageError.locationMissing("sftp-server:\(path)")) { try await backend.get(config) }
        await #expect(throws: StorageError.locationMissing("sftp-server:\(path)")) { try await backend.put(config, bytes: [1]) }
        try await backend.create()
        await #expect(throws: StorageError.notFound(config)) { try await backend.get(config, offset: 0, length: 1) }
    }

    @Test func anUnwritableFolderIsPermissionDenied() async throws {
        guard geteuid() != 0 else { return }   // root writes anywhere
        let path = Self.scratch()
        defer {
            chmod("\(path)/index", 0o700)
            try? FileManager.default.removeItem(atPath: path)
        }
        let backend = Self.direct(path)
        defer { backend.close() }
        try await backend.create()
        chmod("\(path)/index", 0o500)
        let name = try ObjectName(.index, "i1")
        await #expect(throws: StorageError.permissionDenied("sftp-server:\(path)/index/i1")) {
            try await backend.put(name, bytes: [1])
        }
    }

    /// A full disk on the server is `noSpace` (statvfs says so), and no temporary file stays.
    @Test func aFullDiskIsNoSpace() async throws {
        let path = Self.scratch()
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Mounting needs root (as in the CLI suites' full-disk tests); elsewhere there is no small disk.
        guard system(mountCommand: "mount -t tmpfs -o size=1m kura-sftp-test '\(path)'") else { return }
        defer { _ = system(mountCommand: "umount '\(path)'") }
        let backend = Self.direct(path + "/repo")
        defer { backend.close() }
        try await backend.create()
        let pack = try ObjectName(.data, "ab-too-big")
        await #expect(throws: StorageError.noSpace("sftp-server:\(path)/repo/data/ab/ab-too-big")) {
            try await backend.put(pack, bytes: [UInt8](repeating: 1, count: 3 << 20))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(path)/repo/data/ab").isEmpty)
    }

    /// A killed writer's temporary file is not listed, and listing removes it once it is an
    /// hour old; a fresh one (a write in progress) stays.
    @Test func abandonedTemporaryFilesGoAfterAnHour() async throws {
        let path = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let backend = Self.direct(path)
        defer { backend.close() }
        try await backend.create()
        let old = "\(path)/data/ab/.abc.tmp-123", fresh = "\(path)/data/ab/.abd.tmp-456"
        for file in [old, fresh] { #expect(FileManager.default.createFile(atPath: file, contents: Data([1]))) }
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-7200)], ofItemAtPath: old)
        #expect(try await backend.list(.data).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: old) && FileManager.default.fileExists(atPath: fresh))
    }

    /// Many puts and gets at once over one session, objects larger than one WRITE.
    @Test func concurrentTransfersShareOneSession() async throws {
        let path = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let backend = Self.direct(path)
        defer { backend.close() }
        try await backend.create()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<16 {
                group.addTask {
                    let name = try ObjectName(.data, String(format: "%02x", index) + "-object")
                    let bytes = (0..<(700_000 + index)).map { UInt8(truncatingIfNeeded: $0 &* (index + 3)) }
                    try await backend.put(name, bytes: bytes)
                    #expect(try await backend.get(name) == bytes)
                }
            }
            try await group.waitForAll()
        }
        #expect(try await backend.list(.data).count == 16)
    }

    /// A server that is gone fails the request with a retryable error naming the location.
    @Test func aLostConnectionIsARetryableErrorNamingTheHost() async throws {
        let server = try OpenSSHServer()
        let path = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let backend = SFTPBackend(address: SSHAddress(user: nil, host: "kura-test", port: nil, path: path),
                                  ssh: SSHCommand.fromEnvironment(["KURA_SSH": server.sshCommand]))
        defer { backend.close() }
        try await backend.create()
        server.stop(kill: true)
        do {
            _ = try await backend.list(.data)
            Issue.record("a listing over a dead connection succeeded")
        } catch let error as StorageError {
            #expect(error.isRetryable)
            #expect("\(error)".contains("sftp:kura-test:"))
        }
    }

    @Test func anUnreachableHostSaysWhatSSHSaid() async throws {
        let server = try OpenSSHServer()
        // The client config's host, on a port where nothing listens.
        let backend = SFTPBackend(address: SSHAddress(user: nil, host: "127.0.0.1", port: 1, path: "/tmp/x"),
                                  ssh: SSHCommand.fromEnvironment(["KURA_SSH": server.sshCommand]))
        defer { backend.close() }
        do {
            _ = try await backend.exists()
            Issue.record("a dead server answered")
        } catch {
            #expect("\(error)".contains("Connection refused"))
            #expect(!"\(error)".contains("\n"))
            #expect("\(error)".contains("sftp://127.0.0.1:1/tmp/x"))
        }
    }
}

/// Runs `command` with /bin/sh; whether it exited 0.
private func system(mountCommand command: String) -> Bool {
    guard let process = try? Process.run(URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", command + " 2>/dev/null"]) else {
        return false
    }
    process.waitUntilExit()
    return process.terminationStatus == 0
}
