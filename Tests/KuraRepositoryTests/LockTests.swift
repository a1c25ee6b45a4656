import Foundation
import KuraCrypto
@testable import KuraRepository
import KuraStorage
import Testing

/// Shared locks coexist, an exclusive lock excludes, stale locks are cleared and live ones
/// never are.
struct LockTests {
    static func repository() async throws -> (Repository, String) {
        let path = RepositoryTests.scratch()
        let repository = try await Repository.initialize(backend: LocalBackend(path: path),
                                                         password: try RepositoryTests.password(),
                                                         parameters: RepositoryTests.fast)
        return (repository, path)
    }

    /// A lock record as another holder would have written it.
    static func plant(_ repository: Repository, host: String = ProcessIdentity.current.host, pid: Int32,
                      processStart: UInt64, exclusive: Bool, refreshed: Date = Date()) async throws -> ObjectName {
        let record = LockRecord(host: host, pid: pid, processStart: processStart, user: "test", command: "planted",
                                exclusive: exclusive, created: refreshed, refreshed: refreshed)
        let name = try ObjectName(.locks, "planted-\(UUID().uuidString)")
        try await repository.writeLock(record, as: name)
        return name
    }

    /// The PID of a process that has exited.
    static func deadPID() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    @Test func sharedLocksCoexistAndExclusiveWaitsForThem() async throws {
        let (repository, path) = try await Self.repository()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = try await repository.lock(exclusive: false, command: "backup")
        let second = try await repository.lock(exclusive: false, command: "backup")
        await #expect(throws: RepositoryError.self) { try await repository.lock(exclusive: true, command: "prune") }
        await first.release()
        await #expect(throws: RepositoryError.self) { try await repository.lock(exclusive: true, command: "prune") }
        await second.release()
        let exclusive = try await repository.lock(exclusive: true, command: "prune")
        await #expect(throws: RepositoryError.self) { try await repository.lock(exclusive: false, command: "backup") }
        await exclusive.release()
        #expect(try await repository.backend.list(.locks).isEmpty)
    }

    /// A backup that starts while an exclusive lock is held waits for it, up to its limit.
    @Test func aSharedLockWaitsForAnExclusiveOneToGo() async throws {
        let (repository, path) = try await Self.repository()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let exclusive = try await repository.lock(exclusive: true, command: "prune (sweep)")
        var told: [String] = []
        await #expect(throws: RepositoryError.self) {
            try await repository.withLock(command: "backup", wait: 0.6, onWait: { told.append($0) }) {}
        }
        #expect(told.count == 1 && told[0].contains("prune (sweep)"), "\(told)")
        let releaser = Task {
            try await Task.sleep(nanoseconds: 700_000_000)
            await exclusive.release()
        }
        let started = Date()
        let ran = try await repository.withLock(command: "backup", wait: 30) { true }
        #expect(ran && Date().timeIntervalSince(started) >= 0.5)
        try await releaser.value
        #expect(try await repository.backend.list(.locks).isEmpty)
    }

    @Test func liveLockOfAnotherProcessIsKept() async throws {
        let (repository, path) = try await Self.repository()
        defer { try? FileManager.default.removeItem(atPath: path) }
        // PID 1 runs for as long as the machine does.
        let planted = try await Self.plant(repository, pid: 1, processStart: ProcessIdentity.startTime(of: 1) ?? 0,
                                           exclusive: true)
        do {
            _ = try await repository.lock(exclusive: false, command: "backup")
            Issue.record("a live exclusive lock was ignored")
        } catch RepositoryError.locked(let holder, let exclusive) {
            #expect(exclusive && holder.contains("pid 1 "))
        }
        #expect(try await repository.backend.stat(planted) != nil)
        #expect(try await repository.backend.list(.locks).count == 1)
    }

    @Test func lockOfADeadProcessIsCleared() async throws {
        let (repository, path) = try await Self.repository()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let dead = try await Self.plant(repository, pid: try Self.deadPID(), processStart: 12345, exclusive: true)
        // The same PID as a live process but another start time: the PID was reused.
        let reused = try await Self.plant(repository, pid: 1, processStart: 1, exclusive: true)
        let lock = try await repository.lock(exclusive: true, command: "prune")
        #expect(try await repository.backend.stat(dead) == nil)
        #expect(try await repository.backend.stat(reused) == nil)
        await lock.release()
    }

    @Test func otherHostsLocksExpireOnlyWhenNotRenewed() async throws {
        let (repository, path) = try await Self.repository()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fresh = try await Self.plant(repository, host: "elsewhere.example", pid: 77, processStart: 1,
                                         exclusive: true, refreshed: Date().addingTimeInterval(-10 * 60))
        await #expect(throws: RepositoryError.self) { try await repository.lock(exclusive: false, command: "backup") }
        try await repository.backend.delete(fresh)
        let old = try await Self.plant(repository, host: "elsewhere.example", pid: 77, processStart: 1,
                                       exclusive: true, refreshed: Date().addingTimeInterval(-31 * 60))
        let lock = try await repository.lock(exclusive: false, command: "backup")
        #expect(try await repository.backend.stat(old) == nil)
        await lock.release()
    }

    @Test func unreadableLockBlocksWithAClearError() async throws {
        let (repository, path) = try await Self.repository()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await repository.backend.put(try ObjectName(.locks, "garbage"), bytes: Array("not a lock".utf8))
        await #expect(throws: RepositoryError.lockUnreadable("garbage")) {
            try await repository.lock(exclusive: false, command: "backup")
        }
    }

    /// Garbage in locks/ counts as held until the storage says it has not been written for
    /// the stale age; then any command clears it, as it would a stale lock.
    @Test func unreadableLockIsClearedOnceOld() async throws {
        let (repository, path) = try await Self.repository()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let garbage = try ObjectName(.locks, "garbage")
        try await repository.backend.put(garbage, bytes: Array("not a lock".utf8))
        #expect(try await repository.locks().map { $0.record == nil && !$0.isStale } == [true])
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-31 * 60)],
                                              ofItemAtPath: "\(path)/locks/garbage")
        let lock = try await repository.lock(exclusive: true, command: "prune")
        #expect(try await repository.backend.stat(garbage) == nil)
        await lock.release()
    }
}

extension LockTests {
    /// A lock whose deletion the storage refused is released all the same: this process's
    /// exclusive lock does not wait for it (prune's sweep once waited an hour on its own mark
    /// lock), and the next lock deletes it.
    @Test func aReleasedLockThatCouldNotBeDeletedConflictsWithNothing() async throws {
        let (created, path) = try await Self.repository()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let failing = FaultInjectingBackend(wrapping: created.backend, plan: FaultPlan(spec: try FaultSpec(parsing: "fail-before=delete:1")))
        let repository = try await Repository.open(backend: failing, password: try RepositoryTests.password())
        let mark = try await repository.lock(exclusive: false, command: "prune (mark)")
        await mark.release()
        #expect(try await created.backend.stat(mark.name) != nil, "the deletion failed")
        let sweep = try await repository.lock(exclusive: true, command: "prune (sweep)")
        #expect(try await created.backend.stat(mark.name) == nil)
        await sweep.release()
        #expect(try await created.backend.list(.locks).isEmpty)
    }
}
