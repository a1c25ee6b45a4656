import KuraCrypto
import KuraStorage

extension Repository {
    /// The detail of the `init` audit entry that holds the config's SHA-256 (hex).
    static let configDigestDetail = "config"

    static func configDigest(_ bytes: [UInt8]) -> String { Hex.encode(SHA256.hash(bytes)) }

    /// Compares the config as stored with the digest in entry 1 of the audit log, when an
    /// admin signed one: a mismatch refuses the repository. Repositories made before the
    /// digest existed (or whose entry 1 is gone, which `audit verify` reports) are opened on
    /// the strength of `RepositoryConfig.validate()` alone.
    func authenticateConfig(_ bytes: [UInt8]) async throws {
        let admins = try await signingKeys(roles: [.admin])
        var initEntries: [AuditEntry] = []
        for info in try await backend.list(.audit) where Self.sequence(ofAuditObject: info.name.name) == 1 {
            if case .success(let stored) = try await readAuditObject(info.name), stored.entry.action == "init",
               stored.entry.hasValidSignature(signers: admins) {
                initEntries.append(stored.entry)
            }
        }
        let recorded = initEntries.compactMap { $0.details[Self.configDigestDetail] }
        if recorded.contains(Self.configDigest(bytes)) {
            configAuthentication = .authenticated
        } else if !recorded.isEmpty {
            throw RepositoryError.configAltered
        } else {
            configAuthentication = .unauthenticated(initEntries.isEmpty
                ? "the audit log has no readable init entry signed by an admin key"
                : "the repository was created before the init entry recorded the config's SHA-256")
        }
    }
}
