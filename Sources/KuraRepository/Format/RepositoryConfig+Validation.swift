import KuraCrypto

extension RepositoryConfig.ChunkerSettings {
    /// The largest `maximum` the backup's read buffers (twice this) can hold a chunk of.
    public static let largestMaximum = 4 * 1024 * 1024
    /// The smallest `minimum`: below it blobs are mostly padding, AEAD tag and index entry,
    /// and their sizes say more about the files they come from.
    public static let smallestMinimum = 1024

    /// What is wrong with these sizes for the chunker and the backup pipeline, or nil.
    public var problem: String? {
        guard minimum >= Self.smallestMinimum else { return "chunker minimum \(minimum) is below \(Self.smallestMinimum)" }
        guard average > 0, average.nonzeroBitCount == 1 else { return "chunker average \(average) is not a power of two" }
        guard minimum < average, average < maximum else {
            return "chunker sizes \(minimum), \(average), \(maximum) are not minimum < average < maximum"
        }
        guard maximum <= Self.largestMaximum else {
            return "chunker maximum \(maximum) is above \(Self.largestMaximum)"
        }
        return nil
    }
}

extension RepositoryConfig {
    /// Refuses a configuration kura cannot work with: an unknown version, chunker sizes that
    /// break the chunker's or the backup's assumptions, a cipher packs cannot name. Returns
    /// the pack cipher. Kura's own `init` only ever writes valid values, so any of these
    /// means the file was altered.
    @discardableResult
    public func validate() throws -> AEADAlgorithm {
        guard version <= Self.currentVersion else { throw RepositoryError.unsupportedVersion(version) }
        guard version >= 1 else { throw RepositoryError.badConfig("version \(version) is not a format version") }
        if let problem = chunker.problem { throw RepositoryError.badConfig(problem) }
        guard let cipher = AEADAlgorithm(rawValue: blobCipher), PackFormat.cipher(code: PackFormat.cipherCode(cipher)) == cipher else {
            throw RepositoryError.badConfig("blobCipher \"\(blobCipher)\" is not aes-256-gcm or chacha20-poly1305")
        }
        return cipher
    }
}
