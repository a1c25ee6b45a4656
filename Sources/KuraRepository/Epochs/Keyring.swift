import KuraCrypto

/// The secrets of one key epoch that a key holds (docs/KEYS.md, "Rotation"). Epoch 0 is
/// what the key's own slot wraps; later epochs come from envelopes sealed to the slot.
struct EpochKeys: Sendable {
    let epoch: Int
    var metadataKey: SecureBytes?
    var dataPrivateKey: X25519.PrivateKey?
    var dataPublicKey: X25519.PublicKey?
}

/// Every epoch's secrets a key holds, and the repository's newest epoch. Writers seal with
/// the newest epoch only; readers try every epoch they hold, newest first.
struct Keyring: Sendable {
    private(set) var epochs: [Int: EpochKeys]
    /// The newest epoch of any envelope an admin signed; a key that holds an older one may
    /// read but not write.
    var repositoryEpoch: Int
    /// The revision of the envelope this key's secrets came from (0 without envelopes).
    var revision = 0

    init(slot secrets: RepositorySecrets) {
        epochs = [0: EpochKeys(epoch: 0, metadataKey: secrets.metadataKey, dataPrivateKey: secrets.dataPrivateKey,
                               dataPublicKey: secrets.dataPublicKey)]
        repositoryEpoch = 0
    }

    /// The newest epoch this key holds.
    var ownEpoch: Int { epochs.keys.max() ?? 0 }
    var newest: EpochKeys { epochs[ownEpoch]! }

    var metadataKeysNewestFirst: [SecureBytes] {
        epochs.keys.sorted(by: >).compactMap { epochs[$0]?.metadataKey }
    }

    var dataPrivateKeysNewestFirst: [X25519.PrivateKey] {
        epochs.keys.sorted(by: >).compactMap { epochs[$0]?.dataPrivateKey }
    }

    func metadataKey(epoch: Int) -> SecureBytes? { epochs[epoch]?.metadataKey }

    /// Adds what an envelope holds; a later field never replaces one already held.
    mutating func merge(_ keys: [EpochKeys]) {
        for keys in keys {
            var merged = epochs[keys.epoch] ?? EpochKeys(epoch: keys.epoch)
            merged.metadataKey = merged.metadataKey ?? keys.metadataKey
            merged.dataPrivateKey = merged.dataPrivateKey ?? keys.dataPrivateKey
            merged.dataPublicKey = merged.dataPrivateKey?.publicKey ?? merged.dataPublicKey ?? keys.dataPublicKey
            epochs[keys.epoch] = merged
        }
    }

    /// Adds a new epoch made by this key (rotation).
    mutating func add(_ keys: EpochKeys) {
        epochs[keys.epoch] = keys
        repositoryEpoch = max(repositoryEpoch, keys.epoch)
    }

    /// Forgets the data private keys of epochs before `epoch` (after re-encryption nothing
    /// is sealed under them any more).
    mutating func dropDataKeys(before epoch: Int) {
        for number in epochs.keys where number < epoch {
            epochs[number]?.dataPrivateKey = nil
            epochs[number]?.dataPublicKey = nil
        }
    }

    /// What an envelope for a key of `role` holds: every epoch's metadata key after epoch 0
    /// (records keep the key they were sealed with), the data private keys this key holds
    /// after epoch 0 for roles that read contents, and the newest data public key for the
    /// backup role.
    func envelopeContents(for role: Role) -> [EpochKeys] {
        let reads = role == .admin || role == .restore
        return epochs.keys.sorted().filter { $0 > 0 }.map { number in
            let keys = epochs[number]!
            return EpochKeys(epoch: number, metadataKey: keys.metadataKey,
                             dataPrivateKey: reads ? keys.dataPrivateKey : nil,
                             dataPublicKey: role == .backup && number == ownEpoch ? keys.dataPublicKey : nil)
        }
    }
}

extension EpochKeys {
    init(epoch: Int) { self.init(epoch: epoch, metadataKey: nil, dataPrivateKey: nil, dataPublicKey: nil) }

    /// Fresh secrets for a new epoch.
    static func generate(epoch: Int) throws -> EpochKeys {
        let data = try X25519.PrivateKey()
        return EpochKeys(epoch: epoch, metadataKey: try .random(count: 32), dataPrivateKey: data, dataPublicKey: data.publicKey)
    }

    private enum Field: UInt8 { case metadataKey = 1, dataPrivateKey = 2, dataPublicKey = 3 }
    private static let entrySize = 4 + 1 + 32

    /// Entries of 37 bytes: epoch (4 bytes, big-endian), field (1: metadata key, 2: data
    /// private key, 3: data public key), the 32-byte value.
    static func encode(_ list: [EpochKeys]) throws -> SecureBytes {
        var entries: [(Int, Field, SecureBytes)] = []
        for keys in list {
            if let key = keys.metadataKey { entries.append((keys.epoch, .metadataKey, key)) }
            if let key = keys.dataPrivateKey {
                entries.append((keys.epoch, .dataPrivateKey, key.scalar))
            } else if let key = keys.dataPublicKey {
                entries.append((keys.epoch, .dataPublicKey, try SecureBytes(copying: key.bytes)))
            }
        }
        let out = try SecureBytes(count: entries.count * entrySize)
        out.withUnsafeMutableBytes { target in
            for (position, (epoch, field, value)) in entries.enumerated() {
                let base = position * entrySize
                for shift in 0..<4 { target[base + shift] = UInt8(truncatingIfNeeded: epoch >> (24 - 8 * shift)) }
                target[base + 4] = field.rawValue
                value.withUnsafeBytes { source in
                    for index in 0..<32 { target[base + 5 + index] = source[index] }
                }
            }
        }
        return out
    }

    static func decode(_ bytes: SecureBytes) throws -> [EpochKeys] {
        let damaged = RepositoryError.damaged(object: "key epoch envelope", reason: "unknown layout")
        guard bytes.count % entrySize == 0 else { throw damaged }
        var result: [Int: EpochKeys] = [:]
        for position in 0..<(bytes.count / entrySize) {
            let base = position * entrySize
            let head = bytes.withUnsafeBytes { Array($0[base..<(base + 5)]) }
            let epoch = head[0..<4].reduce(0) { $0 << 8 | Int($1) }
            guard epoch > 0, let field = Field(rawValue: head[4]) else { throw damaged }
            let value = try bytes.slice((base + 5)..<(base + entrySize))
            var keys = result[epoch] ?? EpochKeys(epoch: epoch)
            switch field {
            case .metadataKey: keys.metadataKey = value
            case .dataPrivateKey:
                let key = try X25519.PrivateKey(scalar: value)
                keys.dataPrivateKey = key
                keys.dataPublicKey = key.publicKey
            case .dataPublicKey: keys.dataPublicKey = try X25519.PublicKey(validating: value.copyBytes())
            }
            result[epoch] = keys
        }
        return result.values.sorted { $0.epoch < $1.epoch }
    }
}
