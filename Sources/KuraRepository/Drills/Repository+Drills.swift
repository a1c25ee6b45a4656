import Foundation
import KuraCrypto
import KuraStorage

extension Repository {
    /// Signs and stores a drill record; returns its ID.
    @discardableResult
    public func save(_ drill: DrillRecord) async throws -> DrillID {
        let signed = try drill.signed(by: secrets.signingKey, as: keySlot.id)
        let stored = try sealMetadata(Array(JSONEncoder.kura.encode(signed)), purpose: "drill")
        let id = DrillID.hashing(stored)
        try await backend.put(ObjectName(.drills, id.hex), bytes: stored)
        return id
    }

    /// Every drill record, oldest first; records that fail authentication or whose signature
    /// does not verify are reported by `damaged`.
    public func drills() async throws -> (valid: [StoredDrill], damaged: [(String, RepositoryError)]) {
        var valid: [StoredDrill] = []
        var damaged: [(String, RepositoryError)] = []
        // A drill restores data: only admin and restore keys can run one.
        let signers = try await signingKeys(roles: [.admin, .restore])
        for info in try await backend.list(.drills) {
            let object = "drill record \(info.name.name.prefix(8))"
            do {
                let stored = try await getRecord(info.name, purpose: "drill", object: object)
                guard DrillID.hashing(stored).hex == info.name.name else {
                    throw RepositoryError.damaged(object: object, reason: "content does not match its name")
                }
                let plain = try openMetadata(stored, purpose: "drill", object: object)
                guard let record = try? JSONDecoder.kura.decode(DrillRecord.self, from: Data(plain)) else {
                    throw RepositoryError.damaged(object: object, reason: "does not parse")
                }
                guard record.hasValidSignature(signers: signers) else {
                    throw RepositoryError.damaged(object: object, reason: "its signature does not verify")
                }
                valid.append(StoredDrill(id: DrillID.hashing(stored), record: record))
            } catch let error as RepositoryError {
                damaged.append((info.name.name, error))
            }
        }
        valid.sort { ($0.record.time, $0.id) < ($1.record.time, $1.id) }
        return (valid, damaged)
    }
}
