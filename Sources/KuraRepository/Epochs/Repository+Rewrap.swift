import KuraCrypto
import KuraStorage

/// Records (generations, drill records, audit entries) are named by the hash of their sealed
/// bytes and chained by it, so re-encryption cannot seal them again under a new key without
/// renaming them. It wraps them instead: the stored bytes become
///
///     "KURAWRAP" || epoch (4 bytes, big-endian) || nonce (24)
///         || XChaCha20-Poly1305(metadata key of epoch, stored bytes, ad = "kura-rewrap-v1" || repository ID || purpose)
///
/// and name and hash stay those of the inner bytes. A key without that epoch's metadata key
/// cannot get at the inner bytes, whatever older keys it kept.
extension Repository {
    static let wrapMagic = Array("KURAWRAP".utf8)
    private static let wrapHeaderSize = 8 + 4 + 24

    private func wrapAssociatedData(purpose: String) -> [UInt8] {
        Array("kura-rewrap-v1".utf8) + config.id.bytes + Array(purpose.utf8)
    }

    /// The record's bytes as named and hashed: the stored bytes, unwrapped if they were wrapped.
    func unwrap(_ stored: [UInt8], purpose: String, object: String) throws -> [UInt8] {
        guard stored.count >= Self.wrapHeaderSize + AEADAlgorithm.tagSize, Array(stored.prefix(8)) == Self.wrapMagic else {
            return stored
        }
        let epoch = stored[8..<12].reduce(0) { $0 << 8 | Int($1) }
        guard let key = keyring.metadataKey(epoch: epoch) else {
            throw RepositoryError.damaged(object: object, reason: "it is sealed under key epoch \(epoch), which this key does not hold "
                                          + "(removed before that rotation?); use a current key")
        }
        do {
            return try AEADCipher(.xchacha20Poly1305, key: key)
                .open(stored[Self.wrapHeaderSize...], nonce: stored[12..<Self.wrapHeaderSize],
                      associatedData: wrapAssociatedData(purpose: purpose))
                .copyBytes()
        } catch {
            throw RepositoryError.damaged(object: object, reason: "fails authentication")
        }
    }

    /// Reads a metadata object and unwraps it.
    func getRecord(_ name: ObjectName, purpose: String, object: String) async throws -> [UInt8] {
        try unwrap(try await backend.get(name), purpose: purpose, object: object)
    }

    private func wrap(_ inner: [UInt8], purpose: String) throws -> [UInt8] {
        let epoch = keyring.ownEpoch
        let nonce = SecureRandom.bytes(24)
        let header = Self.wrapMagic + (0..<4).map { UInt8(truncatingIfNeeded: epoch >> (24 - 8 * $0)) } + nonce
        return header + (try AEADCipher(.xchacha20Poly1305, key: keyring.newest.metadataKey!)
            .seal(inner, nonce: nonce, associatedData: wrapAssociatedData(purpose: purpose)))
    }

    /// Whether the stored bytes can only be read with the newest epoch's metadata key.
    private func isUnderNewestEpoch(_ stored: [UInt8], purpose: String) -> Bool {
        if Array(stored.prefix(8)) == Self.wrapMagic, stored.count >= 12 {
            return stored[8..<12].reduce(0) { $0 << 8 | Int($1) } == keyring.ownEpoch
        }
        return (try? openMetadata(stored, purpose: purpose, object: "", keys: [keyring.newest.metadataKey!])) != nil
    }

    /// Wraps every generation, drill record and audit entry not yet under the newest epoch,
    /// replacing each in place (a put replaces atomically), and returns how many it wrapped.
    /// Objects that cannot be read are left as they are for `check` to report.
    public func wrapRecordsInNewestEpoch() async throws -> Int {
        var wrapped = 0
        for (kind, purpose) in [(ObjectKind.generations, "generation"), (.drills, "drill"), (.audit, "audit")] {
            for info in try await backend.list(kind) {
                let stored = try await backend.get(info.name)
                guard !isUnderNewestEpoch(stored, purpose: purpose),
                      let inner = try? unwrap(stored, purpose: purpose, object: info.name.description),
                      (try? openMetadata(inner, purpose: purpose, object: "")) != nil else { continue }
                try await backend.put(info.name, bytes: try wrap(inner, purpose: purpose))
                wrapped += 1
            }
        }
        return wrapped
    }
}
