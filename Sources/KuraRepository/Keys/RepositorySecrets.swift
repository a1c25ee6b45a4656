import KuraCrypto

/// The secrets one key slot wraps: only those its role needs (docs/KEYS.md), so what a key
/// can do is what it can decrypt, not what a client agrees to.
///
/// Layout 1 (slots written before roles, always admin): 98 bytes: `01`, `00`, master secret
/// (32), X25519 data private key (32), Ed25519 signing seed (32, shared by every layout-1 slot).
/// Purpose keys are derived from the master secret.
///
/// Layout 2: `02`, a presence byte, then the present 32-byte fields in this order: metadata
/// key (bit 0), blob-ID key (bit 1), chunker seed (bit 2), data private key (bit 3), data
/// public key (bit 4, only without the private key), the slot's own signing seed (bit 5) and
/// the trust root's Ed25519 public key (bit 6). Bits 0, 5 and 6 are always set.
public struct RepositorySecrets: Sendable {
    let metadataKey: SecureBytes
    let blobIDKey: SecureBytes?
    let chunkerSeed: SecureBytes?
    let dataPrivateKey: X25519.PrivateKey?
    let dataPublicKey: X25519.PublicKey?
    let signingKey: Ed25519.PrivateKey
    /// The public key every certification chain must end at (layout 1: the shared signing key).
    let rootPublicKey: Ed25519.PublicKey
    let layout: UInt8

    /// Fresh secrets for a new repository's first admin, which is its own trust root.
    static func generate(repository: RepositoryID) throws -> RepositorySecrets {
        let signing = try Ed25519.PrivateKey()
        let dataKey = try X25519.PrivateKey()
        return RepositorySecrets(metadataKey: try .random(count: 32), blobIDKey: try .random(count: 32),
                                 chunkerSeed: try .random(count: 32), dataPrivateKey: dataKey, dataPublicKey: dataKey.publicKey,
                                 signingKey: signing, rootPublicKey: signing.publicKey, layout: 2)
    }

    /// The secrets a new key of `role` gets, with its own new signing key.
    func forNewKey(role: Role) throws -> RepositorySecrets {
        let reads = role == .admin || role == .restore
        let writesOrReads = role != .auditor
        return RepositorySecrets(metadataKey: metadataKey,
                                 blobIDKey: writesOrReads ? blobIDKey : nil,
                                 chunkerSeed: writesOrReads ? chunkerSeed : nil,
                                 dataPrivateKey: reads ? dataPrivateKey : nil,
                                 dataPublicKey: writesOrReads ? dataPublicKey : nil,
                                 signingKey: try Ed25519.PrivateKey(), rootPublicKey: rootPublicKey, layout: 2)
    }

    /// Whether these secrets are everything an admin key holds.
    var isComplete: Bool { blobIDKey != nil && chunkerSeed != nil && dataPrivateKey != nil }

    /// The role these secrets can act as: what they hold, not what a slot's JSON claims.
    func allows(_ role: Role) -> Bool {
        switch role {
        case .admin, .restore: isComplete
        case .backup: blobIDKey != nil && chunkerSeed != nil && dataPublicKey != nil
        case .auditor: true
        }
    }

    init(metadataKey: SecureBytes, blobIDKey: SecureBytes?, chunkerSeed: SecureBytes?, dataPrivateKey: X25519.PrivateKey?,
         dataPublicKey: X25519.PublicKey?, signingKey: Ed25519.PrivateKey, rootPublicKey: Ed25519.PublicKey, layout: UInt8) {
        self.metadataKey = metadataKey
        self.blobIDKey = blobIDKey
        self.chunkerSeed = chunkerSeed
        self.dataPrivateKey = dataPrivateKey
        self.dataPublicKey = dataPrivateKey?.publicKey ?? dataPublicKey
        self.signingKey = signingKey
        self.rootPublicKey = rootPublicKey
        self.layout = layout
    }

    init(decoding bytes: SecureBytes, repository: RepositoryID) throws {
        let head = bytes.withUnsafeBytes { Array($0.prefix(2)) }
        guard head.count == 2 else { throw Self.unknownLayout }
        switch head[0] {
        case 1:
            guard bytes.count == 98 else { throw Self.unknownLayout }
            let master = try bytes.slice(2..<34)
            func derive(_ purpose: String) throws -> SecureBytes {
                try HKDF.deriveKey(inputKeyMaterial: master, salt: repository.bytes, info: Array("kura/v1/\(purpose)".utf8), length: 32)
            }
            let dataKey = try X25519.PrivateKey(scalar: bytes.slice(34..<66))
            let signing = try Ed25519.PrivateKey(seed: bytes.slice(66..<98))
            self.init(metadataKey: try derive("metadata"), blobIDKey: try derive("blob-id"), chunkerSeed: try derive("chunker"),
                      dataPrivateKey: dataKey, dataPublicKey: nil, signingKey: signing, rootPublicKey: signing.publicKey, layout: 1)
        case 2:
            let flags = head[1]
            let required: UInt8 = 0b110_0001
            let fields = (0..<7).filter { flags & (1 << $0) != 0 }
            guard flags & required == required, flags & 0x80 == 0, flags & 0b1_1000 != 0b1_1000,
                  bytes.count == 2 + 32 * fields.count else { throw Self.unknownLayout }
            var slices: [Int: SecureBytes] = [:]
            for (position, bit) in fields.enumerated() {
                slices[bit] = try bytes.slice((2 + 32 * position)..<(34 + 32 * position))
            }
            guard let metadata = slices[0], let seed = slices[5], let root = slices[6] else { throw Self.unknownLayout }
            self.init(metadataKey: metadata, blobIDKey: slices[1], chunkerSeed: slices[2],
                      dataPrivateKey: try slices[3].map { try X25519.PrivateKey(scalar: $0) },
                      dataPublicKey: try slices[4].map { try X25519.PublicKey(validating: $0.copyBytes()) },
                      signingKey: try Ed25519.PrivateKey(seed: seed),
                      rootPublicKey: try Ed25519.PublicKey(bytes: root.copyBytes()), layout: 2)
        default:
            throw Self.unknownLayout
        }
    }

    private static var unknownLayout: RepositoryError { .damaged(object: "key slot", reason: "unknown secrets layout") }

    /// Layout 2 (new slots are always written in layout 2).
    func encoded() throws -> SecureBytes {
        var parts: [(bit: Int, bytes: SecureBytes)] = [(0, metadataKey)]
        if let blobIDKey { parts.append((1, blobIDKey)) }
        if let chunkerSeed { parts.append((2, chunkerSeed)) }
        if let dataPrivateKey {
            parts.append((3, dataPrivateKey.scalar))
        } else if let dataPublicKey {
            parts.append((4, try SecureBytes(copying: dataPublicKey.bytes)))
        }
        parts.append((5, try signingKey.seed()))
        parts.append((6, try SecureBytes(copying: rootPublicKey.bytes)))
        let out = try SecureBytes(count: 2 + 32 * parts.count)
        out.withUnsafeMutableBytes { target in
            target[0] = 2
            target[1] = parts.reduce(0) { $0 | UInt8(1 << $1.bit) }
            for (position, part) in parts.enumerated() {
                part.bytes.withUnsafeBytes { source in
                    for index in 0..<32 { target[2 + 32 * position + index] = source[index] }
                }
            }
        }
        return out
    }
}
