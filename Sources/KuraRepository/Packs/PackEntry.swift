import KuraCrypto

/// Where one blob lives inside a pack.
public struct PackEntry: Codable, Sendable, Hashable {
    public var id: BlobID
    public var type: BlobType
    /// Offset and length of the encrypted blob (ciphertext and tag) in the pack.
    public var offset: Int
    public var length: Int
    /// Length of the blob's plaintext.
    public var rawLength: Int
}

/// The fixed values of the pack format (docs/FORMAT.md).
enum PackFormat {
    static let magic = Array("KURAPACK".utf8)
    static let version: UInt8 = 1
    static let sealedKeySize = 32 + SealedBox.overhead
    /// sealed key, header length (4), cipher (1), version (1), magic (8).
    static let trailerSize = sealedKeySize + 4 + 1 + 1 + 8
    static let entrySize = 1 + 32 + 8 + 4 + 4
    /// Packs are closed once they pass this size.
    static let targetSize = 16 * 1024 * 1024

    static func cipherCode(_ algorithm: AEADAlgorithm) -> UInt8 {
        algorithm == .aes256GCM ? 1 : 2
    }

    static func cipher(code: UInt8) -> AEADAlgorithm? {
        switch code {
        case 1: .aes256GCM
        case 2: .chacha20Poly1305
        default: nil
        }
    }

    /// A blob's nonce is its offset in the pack (unique within the pack, whose key is used
    /// for no other pack); the header uses all-ones, which no offset reaches.
    static func blobNonce(offset: Int) -> [UInt8] {
        [0, 0, 0, 0] + withUnsafeBytes(of: UInt64(offset).bigEndian, Array.init)
    }

    static let headerNonce = [UInt8](repeating: 0xFF, count: 12)

    static func blobAssociatedData(repository: RepositoryID, type: BlobType, id: BlobID) -> [UInt8] {
        Array("kura-blob-v1".utf8) + repository.bytes + [type.rawValue] + id.bytes
    }

    static func headerAssociatedData(repository: RepositoryID) -> [UInt8] {
        Array("kura-pack-header-v1".utf8) + repository.bytes
    }
}

