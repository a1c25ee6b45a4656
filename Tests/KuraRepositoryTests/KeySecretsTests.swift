import Foundation
import KuraCrypto
@testable import KuraRepository
import Testing

/// The per-role secrets layouts: each role's slot holds exactly what docs/KEYS.md lists, the
/// encoding round-trips, and malformed layouts are refused rather than trusted.
struct KeySecretsTests {
    static let repository = RepositoryID.random()

    @Test(arguments: Role.allCases)
    func roleHoldsOnlyWhatItNeeds(role: Role) throws {
        let admin = try RepositorySecrets.generate(repository: Self.repository)
        let secrets = try admin.forNewKey(role: role)
        let decoded = try RepositorySecrets(decoding: try secrets.encoded(), repository: Self.repository)
        #expect((decoded.dataPrivateKey != nil) == (role == .admin || role == .restore))
        #expect((decoded.dataPublicKey != nil) == (role != .auditor))
        #expect((decoded.blobIDKey != nil) == (role != .auditor))
        #expect((decoded.chunkerSeed != nil) == (role != .auditor))
        #expect(decoded.metadataKey == admin.metadataKey)
        #expect(decoded.rootPublicKey == admin.rootPublicKey)
        #expect(decoded.signingKey.publicKey != admin.signingKey.publicKey)
        #expect(decoded.dataPublicKey.map { $0 == admin.dataPrivateKey?.publicKey } ?? true)
        #expect(decoded.allows(role))
        #expect(!decoded.allows(.admin) || role == .admin || role == .restore)
    }

    @Test func malformedLayoutsAreRefused() throws {
        let good = try RepositorySecrets.generate(repository: Self.repository).encoded().copyBytes()
        var cases: [[UInt8]] = [[], [2], [3, 0x7f] + Array(good.dropFirst(2)), Array(good.dropLast())]
        var noRoot = good
        noRoot[1] &= ~0x40
        cases.append(noRoot)
        var both = good
        both[1] |= 0x10
        cases.append(both + [UInt8](repeating: 1, count: 32))
        for bytes in cases {
            #expect(throws: RepositoryError.self) {
                try RepositorySecrets(decoding: try SecureBytes(copying: bytes), repository: Self.repository)
            }
        }
    }

    @Test func layoutOneDerivesThePurposeKeys() throws {
        var bytes: [UInt8] = [1, 0] + [UInt8](repeating: 7, count: 32)
        bytes += try X25519.PrivateKey().scalar.copyBytes() + [UInt8](repeating: 9, count: 32)
        let secrets = try RepositorySecrets(decoding: try SecureBytes(copying: bytes), repository: Self.repository)
        let master = try SecureBytes(copying: [UInt8](repeating: 7, count: 32))
        let metadata = try HKDF.deriveKey(inputKeyMaterial: master, salt: Self.repository.bytes,
                                          info: Array("kura/v1/metadata".utf8), length: 32)
        #expect(secrets.metadataKey == metadata && secrets.isComplete && secrets.layout == 1)
        #expect(secrets.rootPublicKey == secrets.signingKey.publicKey)
        // Rewrapped (key passwd) a layout-1 slot is written in layout 2 with the same keys.
        let again = try RepositorySecrets(decoding: try secrets.encoded(), repository: Self.repository)
        #expect(again.metadataKey == metadata && again.signingKey.publicKey == secrets.signingKey.publicKey && again.layout == 2)
    }
}
