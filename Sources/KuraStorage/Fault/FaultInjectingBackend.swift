import Foundation

/// A backend that passes every call to another one, counting operations and injecting the
/// faults of a `FaultPlan`: SIGKILL or a thrown storage error before or after a chosen
/// write, read, delete, list or stat. Crash tests use it (through `KURA_TEST_FAULT`) to stop
/// a command at every storage operation in turn, repeatably (docs/TESTING.md).
public struct FaultInjectingBackend: StorageBackend {
    public let base: any StorageBackend
    public let plan: FaultPlan

    public init(wrapping base: any StorageBackend, plan: FaultPlan) {
        self.base = base
        self.plan = plan
    }

    /// `backend` wrapped in the environment's plan, or `backend` itself when no plan is set.
    public static func fromEnvironment(wrapping backend: any StorageBackend) throws(FaultSpecError) -> any StorageBackend {
        guard let plan = try FaultPlan.environment.get() else { return backend }
        return FaultInjectingBackend(wrapping: backend, plan: plan)
    }

    public var location: String { base.location }
    public var overlappingWrites: Int { base.overlappingWrites }

    public func create() async throws { try await base.create() }
    public func exists() async throws -> Bool { try await base.exists() }
    public func isAppendOnly() async throws -> Bool { try await base.isAppendOnly() }

    public func put(_ name: ObjectName, bytes: [UInt8]) async throws {
        try await perform(.write, name.description) { try await base.put(name, bytes: bytes) }
    }

    public func get(_ name: ObjectName) async throws -> [UInt8] {
        try await perform(.read, name.description) { try await base.get(name) }
    }

    public func get(_ name: ObjectName, offset: Int, length: Int) async throws -> [UInt8] {
        try await perform(.read, name.description) { try await base.get(name, offset: offset, length: length) }
    }

    public func get(_ name: ObjectName, ranges: [Range<Int>], deliver: (Int, [UInt8]) async throws -> Void) async throws {
        try await perform(.read, name.description) { try await base.get(name, ranges: ranges, deliver: deliver) }
    }

    public func stat(_ name: ObjectName) async throws -> ObjectInfo? {
        try await perform(.stat, name.description) { try await base.stat(name) }
    }

    public func list(_ kind: ObjectKind) async throws -> [ObjectInfo] {
        try await perform(.list, kind.rawValue) { try await base.list(kind) }
    }

    public func delete(_ name: ObjectName) async throws {
        try await perform(.delete, name.description) { try await base.delete(name) }
    }

    private func perform<T>(_ operation: FaultSpec.Operation, _ object: String, _ body: () async throws -> T) async throws -> T {
        let fault = plan.next(operation)
        if let fault, fault.isBefore { try strike(fault, operation, object) }
        let result = try await body()
        if let fault, !fault.isBefore { try strike(fault, operation, object) }
        return result
    }

    /// Kills the process (SIGKILL cannot be caught: nothing after this runs) or throws, as a
    /// server refusing the operation, or losing its answer, would.
    private func strike(_ fault: FaultSpec.Action, _ operation: FaultSpec.Operation, _ object: String) throws(StorageError) {
        switch fault {
        case .killBefore, .killAfter:
            kill(getpid(), SIGKILL)
        case .failBefore, .failAfter:
            throw .ioFailure("\(base.location)/\(object)",
                             reason: "\(fault.rawValue) \(operation.rawValue) injected by KURA_TEST_FAULT", retryable: false)
        }
    }
}
