import KuraCrypto

/// Builds one pack in memory: blobs encrypted under a fresh random pack key, then an
/// encrypted table of contents and the pack key sealed to the repository's data public key
/// (so a write-only key can create packs it cannot read back).
final class PackWriter {
    private let repository: RepositoryID
    private let algorithm: AEADAlgorithm
    private let dataPublicKey: X25519.PublicKey
    private let packKey: SecureBytes
    private let cipher: AEADCipher
    private(set) var bytes: [UInt8] = []
    private(set) var entries: [PackEntry] = []

    init(repository: RepositoryID, algorithm: AEADAlgorithm, dataPublicKey: X25519.PublicKey) throws {
        self.repository = repository
        self.algorithm = algorithm
        self.dataPublicKey = dataPublicKey
        packKey = try .random(count: 32)
        cipher = try AEADCipher(algorithm, key: packKey)
        bytes.reserveCapacity(PackFormat.targetSize + 4 * 1024 * 1024)
    }

    var isFull: Bool { bytes.count >= PackFormat.targetSize }
    var isEmpty: Bool { entries.isEmpty }

    /// Adds a blob given its plaintext, already encoded by BlobCodec.
    func add(id: BlobID, type: BlobType, encoded: [UInt8], rawLength: Int) throws {
        let sealed = try cipher.seal(encoded, nonce: PackFormat.blobNonce(offset: bytes.count),
                                     associatedData: PackFormat.blobAssociatedData(repository: repository, type: type, id: id))
        entries.append(PackEntry(id: id, type: type, offset: bytes.count, length: sealed.count, rawLength: rawLength))
        bytes += sealed
    }

    /// The finished pack (its ID is the SHA-256 of these bytes: `PackID.hashing`).
    func finish() throws -> (bytes: [UInt8], entries: [PackEntry]) {
        var header = [UInt8]()
        header.reserveCapacity(4 + entries.count * PackFormat.entrySize)
        header += withUnsafeBytes(of: UInt32(entries.count).littleEndian, Array.init)
        for entry in entries {
            header.append(entry.type.rawValue)
            header += entry.id.bytes
            header += withUnsafeBytes(of: UInt64(entry.offset).littleEndian, Array.init)
            header += withUnsafeBytes(of: UInt32(entry.length).littleEndian, Array.init)
            header += withUnsafeBytes(of: UInt32(entry.rawLength).littleEndian, Array.init)
        }
        let sealedHeader = try cipher.seal(header, nonce: PackFormat.headerNonce,
                                           associatedData: PackFormat.headerAssociatedData(repository: repository))
        bytes += sealedHeader
        bytes += SealedBox.seal(packKey, to: dataPublicKey)
        bytes += withUnsafeBytes(of: UInt32(sealedHeader.count).littleEndian, Array.init)
        bytes += [PackFormat.cipherCode(algorithm), PackFormat.version]
        bytes += PackFormat.magic
        return (bytes, entries)
    }
}
