import Foundation
import KuraStorage
import Testing

/// The fault-injecting decorator over a real local backend: it conforms, counts every
/// operation, fails the chosen one before or after it runs, and a seed picks the same
/// operations every time. (Its kills are exercised through the CLI, in CrashPointTests.)
@Suite struct FaultInjectingBackendTests {
    static func backend(_ spec: String, count: String? = nil) throws -> (FaultInjectingBackend, String) {
        let path = LocalBackendTests.scratch()
        return (FaultInjectingBackend(wrapping: LocalBackend(path: path), plan: FaultPlan(spec: try FaultSpec(parsing: spec), countFile: count)), path)
    }

    static func pack(_ index: Int) throws -> ObjectName { try ObjectName(.data, String(format: "%04x", index)) }

    @Test func conformsWhenAskedForNothing() async throws {
        let (backend, path) = try Self.backend("")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await BackendConformance.run(backend)
        #expect(backend.plan.operationCounts[.write, default: 0] >= 20)
    }

    @Test func failBeforeStoresNothingAndFailAfterStoresTheObject() async throws {
        let (backend, path) = try Self.backend("fail-before=write:2,fail-after=write:3,fail-before=delete:1")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await backend.create()
        try await backend.put(Self.pack(1), bytes: [1])
        await #expect(throws: StorageError.self) { try await backend.put(Self.pack(2), bytes: [2]) }
        await #expect(throws: StorageError.self) { try await backend.put(Self.pack(3), bytes: [3]) }
        try await backend.put(Self.pack(4), bytes: [4])
        #expect(Set(try await backend.list(.data).map(\.name)) == [try Self.pack(1), try Self.pack(3), try Self.pack(4)])
        await #expect(throws: StorageError.self) { try await backend.delete(Self.pack(1)) }
        try await backend.delete(Self.pack(1))
        #expect(try await backend.stat(Self.pack(1)) == nil)
        #expect(backend.plan.operationCounts == [.write: 4, .delete: 2, .list: 1, .stat: 1])
    }

    @Test func injectedFailuresAreStorageErrorsThatNameTheObject() async throws {
        let (backend, path) = try Self.backend("fail-before=read:1")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await backend.create()
        try await backend.put(Self.pack(7), bytes: [7])
        do {
            _ = try await backend.get(Self.pack(7))
            Issue.record("the read should have failed")
        } catch let error as StorageError {
            #expect(!error.isRetryable && error.description.contains("data/0007"), "\(error)")
        }
        #expect(try await backend.get(Self.pack(7)) == [7])
    }

    @Test func theCountFileHoldsEveryKind() async throws {
        let count = LocalBackendTests.scratch()
        let (backend, path) = try Self.backend("", count: count)
        defer { for file in [path, count] { try? FileManager.default.removeItem(atPath: file) } }
        try await backend.create()
        for index in 0..<3 { try await backend.put(Self.pack(index), bytes: [1]) }
        try await backend.delete(Self.pack(0))
        let counts = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: count))) as? [String: Int]
        #expect(counts == ["write": 3, "delete": 1, "read": 0, "list": 0, "stat": 0])
    }

    /// The same seed fails the same operations; another seed others; about p of them.
    @Test func aSeedPicksTheSameOperationsEveryTime() async throws {
        func failedWrites(_ spec: String) async throws -> [Int] {
            let (backend, path) = try Self.backend(spec)
            defer { try? FileManager.default.removeItem(atPath: path) }
            try await backend.create()
            var failed: [Int] = []
            for index in 1...400 {
                do { try await backend.put(Self.pack(index), bytes: [1]) } catch { failed.append(index) }
            }
            return failed
        }
        let first = try await failedWrites("seed=42,p=0.1,fault=fail-before")
        #expect(try await failedWrites("seed=42,p=0.1,fault=fail-before") == first)
        #expect(try await failedWrites("seed=43,p=0.1,fault=fail-before") != first)
        #expect((20...60).contains(first.count), "\(first.count) of 400 at p=0.1")
        #expect(try await failedWrites("seed=42,p=0.1,fault=fail-before,kinds=delete").isEmpty)
    }

    @Test(arguments: ["kill-after=write", "kill-after=write:0", "explode=write:1", "kill-after=put:1", "seed=1",
                      "p=0.5", "seed=x,p=0.1", "seed=1,p=2", "seed=1,p=0.1,fault=boom", "seed=1,p=0.1,kinds=write+oops",
                      "seed=1,seed=2,p=0.1"])
    func badSpecsAreRefused(spec: String) {
        #expect(throws: FaultSpecError.self) { try FaultSpec(parsing: spec) }
    }

    @Test func specsParse() throws {
        let spec = try FaultSpec(parsing: "kill-before=write:17, fail-after=delete:3,seed=9,p=0.05")
        #expect(spec.triggers == [.init(action: .killBefore, operation: .write, ordinal: 17),
                                  .init(action: .failAfter, operation: .delete, ordinal: 3)])
        #expect(spec.sample?.seed == 9 && spec.sample?.action == .killAfter && spec.sample?.operations == [.write, .delete])
    }
}
