import Foundation
import KuraStorage
import KuraTestSupport
import Testing

/// The checks every backend must pass (local directory now, S3 later): a new backend is a
/// factory plus this suite.
enum BackendConformance {
    static func run(_ backend: some StorageBackend) async throws {
        #expect(try await backend.exists() == false)
        await #expect(throws: StorageError.self) { try await backend.list(.data) }
        try await backend.create()
        try await backend.create()   // idempotent
        #expect(try await backend.exists())

        let pack = try ObjectName(.data, "ab" + String(repeating: "0", count: 62))
        let payload = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        #expect(try await backend.stat(pack) == nil)
        await #expect(throws: StorageError.notFound(pack)) { try await backend.get(pack) }

        try await backend.put(pack, bytes: payload)
        #expect(try await backend.get(pack) == payload)
        #expect(try await backend.stat(pack)?.size == payload.count)
        #expect(try await backend.get(pack, offset: 1000, length: 5000) == Array(payload[1000..<6000]))
        #expect(try await backend.get(pack, offset: 99_990, length: 10) == Array(payload[99_990...]))
        await #expect(throws: StorageError.shortRead(pack, expected: 20, got: 10)) {
            try await backend.get(pack, offset: 99_990, length: 20)
        }

        try await expectRanges(of: backend)

        let empty = try ObjectName(.index, "empty")
        try await backend.put(empty, bytes: [])
        #expect(try await backend.get(empty) == [])

        var names: Set<ObjectName> = []
        for index in 0..<20 {
            let name = try ObjectName(.data, String(format: "%02x", index * 13) + "ff\(index)")
            try await backend.put(name, bytes: [UInt8(index)])
            names.insert(name)
        }
        names.insert(pack)
        #expect(Set(try await backend.list(.data).map(\.name)) == names)
        #expect(try await backend.list(.generations).isEmpty)
        #expect(try await backend.list(.index).map(\.name) == [empty])

        let lock = try ObjectName(.locks, "lock-1")
        try await backend.put(lock, bytes: [1])
        try await backend.put(lock, bytes: [2])   // locks may be refreshed
        #expect(try await backend.get(lock) == [2])

        try await backend.delete(pack)
        try await backend.delete(pack)   // deleting a missing object is fine
        #expect(try await backend.stat(pack) == nil)
        #expect(try await backend.list(.data).count == 20)
    }
}

extension BackendConformance {
    /// `get(_:ranges:deliver:)`: ranges in order, gaps small and large (S3 splits the request
    /// over a MiB), empty ranges, and a short object.
    static func expectRanges(of backend: some StorageBackend) async throws {
        let name = try ObjectName(.data, "cd" + String(repeating: "1", count: 62))
        let payload = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
        try await backend.put(name, bytes: payload)
        let ranges = [0..<10, 10..<10, 10..<70_000, 70_100..<70_200, 2_500_000..<2_600_000, 3_145_000..<(3 << 20),
                      (3 << 20)..<(3 << 20)]
        var delivered: [Int] = []
        try await backend.get(name, ranges: ranges) { position, bytes in
            #expect(bytes == Array(payload[ranges[position]]))
            delivered.append(position)
        }
        #expect(delivered == Array(ranges.indices))

        delivered = []
        await #expect(throws: StorageError.self) {
            try await backend.get(name, ranges: [5..<15, (3 << 20) - 5..<(3 << 20) + 5]) { position, _ in delivered.append(position) }
        }
        #expect(delivered == [0])
        try await backend.delete(name)
    }
}

@Suite struct LocalBackendTests {
    static func scratch() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("kura-storage-\(UUID().uuidString)").path
    }

    @Test func conformance() async throws {
        let path = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await BackendConformance.run(LocalBackend(path: path))
    }

    @Test func objectsAreReadOnlyAndNoTemporaryFilesRemain() async throws {
        let path = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let backend = LocalBackend(path: path)
        try await backend.create()
        let name = try ObjectName(.generations, "g1")
        try await backend.put(name, bytes: [1, 2, 3])
        let file = "\(path)/generations/g1"
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o400)
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(path)/generations") == ["g1"])
    }

    /// A killed writer's temporary file is not listed, and listing removes it once it is
    /// an hour old; a fresh one (a write in progress) stays.
    @Test func abandonedTemporaryFilesGoAfterAnHour() async throws {
        let path = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let backend = LocalBackend(path: path)
        try await backend.create()
        let old = "\(path)/locks/.abc.tmp-123", fresh = "\(path)/locks/.def.tmp-456"
        for file in [old, fresh] { #expect(FileManager.default.createFile(atPath: file, contents: Data([1]))) }
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-7200)], ofItemAtPath: old)
        #expect(try await backend.list(.locks).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: old) && FileManager.default.fileExists(atPath: fresh))
    }

    @Test func truncatedObjectIsReportedAsShort() async throws {
        let path = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let backend = LocalBackend(path: path)
        try await backend.create()
        let name = try ObjectName(.index, "i1")
        try await backend.put(name, bytes: Array(repeating: 7, count: 100))
        chmod("\(path)/index/i1", 0o600)
        truncate("\(path)/index/i1", 40)
        await #expect(throws: StorageError.shortRead(name, expected: 100, got: 40)) {
            try await backend.get(name, offset: 0, length: 100)
        }
    }

    @Test func invalidNamesAreRefused() {
        for bad in ["", "../x", "a/b", ".hidden", "with space"] {
            #expect(throws: StorageError.invalidName(bad)) { try ObjectName(.data, bad) }
        }
    }

    @Test func missingLocationIsNamed() async throws {
        let backend = LocalBackend(path: "/nonexistent/kura-repo")
        await #expect(throws: StorageError.locationMissing("/nonexistent/kura-repo")) {
            try await backend.get(try ObjectName(.config, "config"))
        }
    }
}

/// The engine's unit tests stand on InMemoryBackend; it keeps the same promises.
@Suite struct InMemoryBackendTests {
    @Test func conformance() async throws {
        try await BackendConformance.run(InMemoryBackend())
    }
}
