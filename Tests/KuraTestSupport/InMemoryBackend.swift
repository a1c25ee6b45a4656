import Foundation
import KuraStorage

/// Storage in a dictionary, for unit tests of engine logic that need a repository but not a
/// disk. It keeps the protocol's promises (BackendConformance runs it) and counts deletes, so
/// a test can say what a command removed.
public final class InMemoryBackend: StorageBackend, @unchecked Sendable {
    // @unchecked: `objects`, `created` and `deletedNames` are touched only under `lock`.
    private let lock = NSLock()
    private var objects: [ObjectName: [UInt8]] = [:]
    private var created = false
    private var deletedNames: [ObjectName] = []
    public let location: String

    public init(location: String = "memory:test") {
        self.location = location
    }

    /// Every object deleted so far, in order.
    public var deleted: [ObjectName] { lock.withLock { deletedNames } }

    /// The stored bytes of every object of `kind`.
    public func contents(of kind: ObjectKind) -> [ObjectName: [UInt8]] {
        lock.withLock { objects.filter { $0.key.kind == kind } }
    }

    /// Replaces an object's bytes without the protocol, as damage or an attacker would.
    public func tamper(_ name: ObjectName, _ change: ([UInt8]) -> [UInt8]?) {
        lock.withLock { objects[name] = objects[name].flatMap(change) }
    }

    public func create() async throws { lock.withLock { created = true } }

    public func exists() async throws -> Bool { lock.withLock { created } }

    public func put(_ name: ObjectName, bytes: [UInt8]) async throws {
        try lock.withLock {
            guard created else { throw StorageError.locationMissing(location) }
            objects[name] = bytes
        }
    }

    public func get(_ name: ObjectName) async throws -> [UInt8] {
        try lock.withLock {
            guard let bytes = objects[name] else { throw StorageError.notFound(name) }
            return bytes
        }
    }

    public func get(_ name: ObjectName, offset: Int, length: Int) async throws -> [UInt8] {
        let bytes = try await get(name)
        guard offset >= 0, length >= 0, offset + length <= bytes.count else {
            throw StorageError.shortRead(name, expected: length, got: max(0, min(length, bytes.count - offset)))
        }
        return Array(bytes[offset..<offset + length])
    }

    public func get(_ name: ObjectName, ranges: [Range<Int>], deliver: (Int, [UInt8]) async throws -> Void) async throws {
        let bytes = try await get(name)
        for (position, range) in ranges.enumerated() {
            guard range.upperBound <= bytes.count else {
                throw StorageError.shortRead(name, expected: range.count, got: max(0, bytes.count - range.lowerBound))
            }
            try await deliver(position, Array(bytes[range]))
        }
    }

    public func stat(_ name: ObjectName) async throws -> ObjectInfo? {
        lock.withLock { objects[name].map { ObjectInfo(name: name, size: $0.count) } }
    }

    public func list(_ kind: ObjectKind) async throws -> [ObjectInfo] {
        try lock.withLock {
            guard created else { throw StorageError.locationMissing(location) }
            return objects.filter { $0.key.kind == kind }.map { ObjectInfo(name: $0.key, size: $0.value.count) }
        }
    }

    public func delete(_ name: ObjectName) async throws {
        lock.withLock {
            if objects.removeValue(forKey: name) != nil { deletedNames.append(name) }
        }
    }
}
