import KuraCrypto

/// Opens blobs in a pack: unseals its key with a data private key (of any key epoch the
/// reader holds, newest first), and reads its table of contents (for check, and to rebuild
/// an index).
struct PackReader {
    let repository: RepositoryID
    let dataKeys: [X25519.PrivateKey]

    /// The pack key sealed in a trailer, opened with the first data key that opens it.
    func unsealPackKey(_ sealed: some ContiguousBytesView) throws(CryptoError) -> SecureBytes {
        for key in dataKeys {
            if let opened = try? SealedBox.open(sealed, with: key) { return opened }
        }
        throw .authenticationFailure
    }

    struct Opened {
        let cipher: AEADCipher
        let entries: [PackEntry]
    }

    /// Parses the trailer and header of a whole pack.
    func open(pack: [UInt8], name: String) throws -> Opened {
        try open(tail: pack, packSize: pack.count, name: name)
    }

    /// The length of the sealed header a pack's trailer announces; nil for no pack trailer.
    static func headerLength(trailer: [UInt8]) -> Int? {
        guard trailer.count >= PackFormat.trailerSize, Array(trailer.suffix(8)) == PackFormat.magic else { return nil }
        let end = trailer.count
        return Int(trailer[end - 14]) | Int(trailer[end - 13]) << 8 | Int(trailer[end - 12]) << 16 | Int(trailer[end - 11]) << 24
    }

    /// Parses the trailer and header from the last bytes of a pack of `packSize` bytes
    /// (`tail` must hold at least the header and trailer).
    func open(tail: [UInt8], packSize: Int, name: String) throws -> Opened {
        func damaged(_ reason: String) -> RepositoryError { .damaged(object: "pack \(name)", reason: reason) }
        guard let headerLength = Self.headerLength(trailer: tail) else { throw damaged("no pack trailer") }
        let end = tail.count
        guard tail[end - 9] == PackFormat.version else { throw damaged("unknown pack version \(tail[end - 9])") }
        guard let algorithm = PackFormat.cipher(code: tail[end - 10]) else { throw damaged("unknown cipher") }
        let keyStart = end - PackFormat.trailerSize
        let headerStart = keyStart - headerLength
        guard headerLength >= 4 + AEADAlgorithm.tagSize, headerStart >= 0 else { throw damaged("bad header length") }
        let cipher: AEADCipher
        let header: SecureBytes
        do {
            let packKey = try unsealPackKey(tail[keyStart..<(keyStart + PackFormat.sealedKeySize)])
            cipher = try AEADCipher(algorithm, key: packKey)
            header = try cipher.open(tail[headerStart..<keyStart], nonce: PackFormat.headerNonce,
                                     associatedData: PackFormat.headerAssociatedData(repository: repository))
        } catch {
            throw damaged("its key or header fails authentication")
        }
        let entries = try Self.parseHeader(header.copyBytes(), limit: packSize - (end - headerStart), damaged: damaged)
        return Opened(cipher: cipher, entries: entries)
    }

    private static func parseHeader(_ header: [UInt8], limit: Int,
                                     damaged: (String) -> RepositoryError) throws -> [PackEntry] {
        func integer(_ offset: Int, _ size: Int) -> Int {
            (0..<size).reduce(0) { $0 | Int(header[offset + $1]) << (8 * $1) }
        }
        let count = integer(0, 4)
        guard header.count == 4 + count * PackFormat.entrySize else { throw damaged("header size") }
        var entries: [PackEntry] = []
        for index in 0..<count {
            let base = 4 + index * PackFormat.entrySize
            guard let type = BlobType(rawValue: header[base]) else { throw damaged("unknown blob type") }
            let entry = PackEntry(id: BlobID(bytes: Array(header[(base + 1)..<(base + 33)])), type: type,
                                  offset: integer(base + 33, 8), length: integer(base + 41, 4), rawLength: integer(base + 45, 4))
            guard entry.offset + entry.length <= limit, entry.length >= AEADAlgorithm.tagSize else {
                throw damaged("an entry points outside the pack")
            }
            entries.append(entry)
        }
        return entries
    }

    /// Opens the key of a pack from just its trailer bytes (for ranged reads).
    func key(trailer: [UInt8], name: String) throws -> (AEADAlgorithm, SecureBytes) {
        guard trailer.count == PackFormat.trailerSize, Array(trailer.suffix(8)) == PackFormat.magic,
              let algorithm = PackFormat.cipher(code: trailer[trailer.count - 10]) else {
            throw RepositoryError.damaged(object: "pack \(name)", reason: "no pack trailer")
        }
        do {
            return (algorithm, try unsealPackKey(trailer.prefix(PackFormat.sealedKeySize)))
        } catch {
            throw RepositoryError.damaged(object: "pack \(name)", reason: "its key fails authentication")
        }
    }

    /// Decrypts one blob, decodes it, and checks that its keyed ID matches (the AEADs are
    /// not key-committing, so a matching tag alone does not prove the content).
    static func openBlob(_ sealed: some ContiguousBytesView, entry: PackEntry, cipher: AEADCipher,
                         repository: RepositoryID, idKey: SecureBytes) throws -> [UInt8] {
        let encoded = try cipher.openData(sealed, nonce: PackFormat.blobNonce(offset: entry.offset),
                                          associatedData: PackFormat.blobAssociatedData(repository: repository, type: entry.type, id: entry.id))
        let plaintext = try BlobCodec.decode(encoded, rawSize: entry.rawLength)
        guard HMACSHA256.authenticate(plaintext, key: idKey) == entry.id.bytes else {
            throw RepositoryError.damaged(object: "blob \(entry.id.short)", reason: "content does not match its ID")
        }
        return plaintext
    }
}
