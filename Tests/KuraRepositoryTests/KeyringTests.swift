import KuraCrypto
@testable import KuraRepository
import Testing

/// The epoch secrets a key holds: what merging an envelope adds, what each role's envelope
/// carries, and the envelope's byte layout.
@Suite struct KeyringTests {
    static func adminKeyring() throws -> Keyring {
        Keyring(slot: try RepositorySecrets.generate(repository: RepositoryID(bytes: [UInt8](repeating: 7, count: 16))))
    }

    @Test func aRotatedKeyringWritesWithTheNewestEpochAndReadsWithEvery() throws {
        var keyring = try Self.adminKeyring()
        let first = keyring.newest
        let rotated = try EpochKeys.generate(epoch: 1)
        keyring.add(rotated)
        #expect(keyring.ownEpoch == 1 && keyring.repositoryEpoch == 1)
        #expect(keyring.newest.dataPublicKey?.bytes == rotated.dataPublicKey?.bytes)
        #expect(keyring.metadataKeysNewestFirst == [rotated.metadataKey!, first.metadataKey!])
        #expect(keyring.dataPrivateKeysNewestFirst.map(\.publicKey.bytes)
                == [rotated.dataPublicKey!.bytes, first.dataPublicKey!.bytes])
    }

    @Test func mergingNeverReplacesAFieldAlreadyHeld() throws {
        var keyring = try Self.adminKeyring()
        let held = try EpochKeys.generate(epoch: 1)
        keyring.merge([EpochKeys(epoch: 1, metadataKey: held.metadataKey, dataPrivateKey: nil, dataPublicKey: nil)])
        let other = try EpochKeys.generate(epoch: 1)
        keyring.merge([other])
        #expect(keyring.metadataKey(epoch: 1) == held.metadataKey, "the first metadata key stays")
        #expect(keyring.epochs[1]?.dataPrivateKey?.publicKey.bytes == other.dataPublicKey?.bytes, "a missing field is added")
        #expect(keyring.epochs[1]?.dataPublicKey?.bytes == other.dataPublicKey?.bytes,
                "the public key follows the private key held")
    }

    @Test func eachRolesEnvelopeCarriesOnlyWhatTheRoleMayUse() throws {
        var keyring = try Self.adminKeyring()
        keyring.add(try EpochKeys.generate(epoch: 1))
        keyring.add(try EpochKeys.generate(epoch: 2))

        for role in Role.allCases {
            let contents = keyring.envelopeContents(for: role)
            #expect(contents.map(\.epoch) == [1, 2], "epoch 0 is in the key's own slot (\(role))")
            #expect(contents.allSatisfy { $0.metadataKey != nil }, "every role reads records (\(role))")
            let readsData = role == .admin || role == .restore
            #expect(contents.allSatisfy { ($0.dataPrivateKey != nil) == readsData }, "\(role)")
        }
        let backup = keyring.envelopeContents(for: .backup)
        #expect(backup.map { $0.dataPublicKey != nil } == [false, true], "a backup key seals to the newest epoch only")
        #expect(keyring.envelopeContents(for: .auditor).allSatisfy { $0.dataPublicKey == nil && $0.dataPrivateKey == nil })
    }

    @Test func droppingOldDataKeysKeepsTheirMetadataKeys() throws {
        var keyring = try Self.adminKeyring()
        keyring.add(try EpochKeys.generate(epoch: 1))
        keyring.dropDataKeys(before: 1)
        #expect(keyring.dataPrivateKeysNewestFirst.count == 1)
        #expect(keyring.metadataKeysNewestFirst.count == 2, "records sealed under epoch 0 stay readable")
    }

    @Test func envelopeContentsSurviveEncodingAndAreThirtySevenBytesAnEntry() throws {
        let full = try EpochKeys.generate(epoch: 3)
        let publicOnly = EpochKeys(epoch: 4, metadataKey: try .random(count: 32), dataPrivateKey: nil,
                                   dataPublicKey: try X25519.PrivateKey().publicKey)
        let encoded = try EpochKeys.encode([full, publicOnly])
        // epoch 3: metadata + private key; epoch 4: metadata + public key.
        #expect(encoded.count == 4 * 37)
        let head = encoded.withUnsafeBytes { Array($0.prefix(5)) }
        #expect(head == [0, 0, 0, 3, 1])

        let decoded = try EpochKeys.decode(encoded)
        #expect(decoded.map(\.epoch) == [3, 4])
        #expect(decoded[0].metadataKey == full.metadataKey)
        #expect(decoded[0].dataPublicKey?.bytes == full.dataPublicKey?.bytes)
        #expect(decoded[1].dataPrivateKey == nil && decoded[1].dataPublicKey?.bytes == publicOnly.dataPublicKey?.bytes)
    }

    @Test func aMalformedEnvelopeIsDamagedNotTrusted() throws {
        let good = try EpochKeys.encode([try EpochKeys.generate(epoch: 1)]).copyBytes()
        var epochZero = good
        epochZero[3] = 0
        var unknownField = good
        unknownField[4] = 9
        for (name, damaged) in [("cut short", Array(good.dropLast())), ("epoch 0", epochZero), ("unknown field", unknownField)] {
            #expect(throws: RepositoryError.self, "\(name)") { try EpochKeys.decode(try SecureBytes(copying: damaged)) }
        }
    }
}
