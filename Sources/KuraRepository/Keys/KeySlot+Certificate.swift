import Foundation
import KuraCrypto

extension KeySlot {
    /// The public fields an admin's certificate covers, bound to the repository.
    private struct CertifiedFields: Codable {
        var repository: RepositoryID
        var version: Int
        var id: KeyID
        var role: Role
        var name: String
        var created: Date
        var createdBy: KeyID?
        var expires: Date?
        var signingKey: String?
    }

    func certifiedBytes(repository: RepositoryID) throws -> [UInt8] {
        let fields = CertifiedFields(repository: repository, version: version, id: id, role: role, name: name,
                                     created: created, createdBy: createdBy, expires: expires, signingKey: signingKey)
        return Array(try JSONEncoder.kura.encode(fields))
    }

    /// The slot's own Ed25519 public key (version 2), nil if absent or malformed.
    var signingPublicKey: Ed25519.PublicKey? {
        signingKey.flatMap { Base64.decodeCanonicalPadded($0) }.flatMap { try? Ed25519.PublicKey(bytes: $0) }
    }

    /// Whether `certifier` signed this slot's public fields.
    func isCertified(by certifier: Ed25519.PublicKey, repository: RepositoryID) -> Bool {
        guard let certificate, let signature = Base64.decodeCanonicalPadded(certificate),
              let bytes = try? certifiedBytes(repository: repository) else { return false }
        return certifier.isValidSignature(signature, for: bytes)
    }
}
