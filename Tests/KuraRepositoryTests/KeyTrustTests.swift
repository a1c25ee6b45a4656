import Foundation
import KuraCrypto
@testable import KuraRepository
import KuraStorage
import Testing

/// Which slots KeyTrust certifies, on real slots from a repository with a chain of keys:
/// first admin → second admin → restore key, first admin → backup key.
@Suite struct KeyTrustTests {
    struct Chain {
        let repository: Repository
        let slots: [KeySlot]
        let backup: KeySlot
        let secondAdmin: KeySlot
        let restore: KeySlot
        let path: String

        func remove() { try? FileManager.default.removeItem(atPath: path) }

        func trust(_ slots: [KeySlot]) -> KeyTrust {
            KeyTrust(slots: slots, root: repository.secrets.rootPublicKey, repository: repository.config.id)
        }

        /// `slots` with the one whose ID is `id` changed by `edit`.
        func editing(_ id: KeyID, _ edit: (inout KeySlot) -> Void) -> [KeySlot] {
            slots.map { slot in
                var slot = slot
                if slot.id == id { edit(&slot) }
                return slot
            }
        }
    }

    static func chain() async throws -> Chain {
        let path = RepositoryTests.scratch()
        let backend = LocalBackend(path: path)
        let first = try await Repository.initialize(backend: backend, password: try RepositoryTests.password("first"),
                                                    parameters: RepositoryTests.fast)
        let backup = try await first.addKey(role: .backup, name: "host1", expires: nil,
                                            password: try RepositoryTests.password("backup"), parameters: RepositoryTests.fast)
        let admin = try await first.addKey(role: .admin, name: "second", expires: nil,
                                           password: try RepositoryTests.password("second"), parameters: RepositoryTests.fast)
        let second = try await Repository.open(backend: backend, password: try RepositoryTests.password("second"))
        let restore = try await second.addKey(role: .restore, name: "drills", expires: nil,
                                              password: try RepositoryTests.password("restore"), parameters: RepositoryTests.fast)
        return Chain(repository: first, slots: try await first.allKeySlots(), backup: backup, secondAdmin: admin, restore: restore,
                     path: path)
    }

    @Test func everySlotOfTheChainIsTrustedWithItsOwnRole() async throws {
        let chain = try await Self.chain()
        defer { chain.remove() }
        let trust = chain.trust(chain.slots)
        #expect(trust.signers.count == 4)
        for slot in chain.slots { #expect(trust.signers[slot.id]?.role == slot.role) }
    }

    @Test func anEditedRoleBreaksTheCertificate() async throws {
        let chain = try await Self.chain()
        defer { chain.remove() }
        let promoted = chain.editing(chain.backup.id) { $0.role = .admin }
        #expect(chain.trust(promoted).signers[chain.backup.id] == nil)
        let renamed = chain.editing(chain.backup.id) { $0.name = "someone else" }
        #expect(chain.trust(renamed).signers[chain.backup.id] == nil)
        let unexpiring = chain.editing(chain.restore.id) { $0.expires = Date.distantFuture }
        #expect(chain.trust(unexpiring).signers[chain.restore.id] == nil)
    }

    @Test func aKeyWhoseCertifierIsGoneOrNotAnAdminIsNotTrusted() async throws {
        let chain = try await Self.chain()
        defer { chain.remove() }
        let withoutCertifier = chain.slots.filter { $0.id != chain.secondAdmin.id }
        #expect(chain.trust(withoutCertifier).signers[chain.restore.id] == nil)
        let byTheBackupKey = chain.editing(chain.restore.id) { $0.createdBy = chain.backup.id }
        #expect(chain.trust(byTheBackupKey).signers[chain.restore.id] == nil)
    }

    @Test func aCycleOrASecondSelfSignedAdminIsNotTrustedAndDoesNotLoop() async throws {
        let chain = try await Self.chain()
        defer { chain.remove() }
        let selfCertified = chain.editing(chain.restore.id) { $0.createdBy = chain.restore.id }
        #expect(chain.trust(selfCertified).signers[chain.restore.id] == nil)
        let loop = chain.editing(chain.secondAdmin.id) { $0.createdBy = chain.restore.id }
        let looped = chain.trust(loop)
        #expect(looped.signers[chain.secondAdmin.id] == nil && looped.signers[chain.restore.id] == nil)
        let secondRoot = chain.editing(chain.secondAdmin.id) { $0.createdBy = nil }
        #expect(chain.trust(secondRoot).signers[chain.secondAdmin.id] == nil)
    }
}
