import Foundation
import KuraCrypto
@testable import KuraRepository
import KuraStorage
import Testing

@Suite struct AuditAppendTests {
    /// Writers racing for the same sequence numbers still leave one unbroken chain.
    @Test func concurrentAppendsFormOneChain() async throws {
        let path = RepositoryTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let backend = LocalBackend(path: path)
        _ = try await Repository.initialize(backend: backend, password: try RepositoryTests.password(),
                                           parameters: RepositoryTests.fast)
        let first = try await Repository.open(backend: backend, password: try RepositoryTests.password())
        let second = try await Repository.open(backend: backend, password: try RepositoryTests.password())
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in [first, second] {
                for index in 0..<8 {
                    group.addTask { try await writer.appendAudit("test", details: ["n": String(index)]) }
                }
            }
            try await group.waitForAll()
        }
        let log = try await first.auditLog()
        #expect(log.entries.count == 17)
        #expect(log.entries.map(\.entry.sequence) == Array(1...17))
        let verifier = AuditVerifier(log: log, signers: try await first.auditSigners(), keySlots: try await first.keySlots())
        #expect(verifier.problems(heads: []) == [])
    }
}
