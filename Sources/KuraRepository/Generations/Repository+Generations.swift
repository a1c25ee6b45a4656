import Foundation
import KuraCrypto
import KuraStorage

extension Repository {
    /// Signs and stores a generation record, then logs a `generation` audit entry naming it
    /// (so that `check` notices if the record is deleted later). Call `flush()` first: the
    /// record must only refer to blobs whose packs and index are already written.
    public func save(_ generation: Generation) async throws -> GenerationID {
        try require(.writeGenerations)
        var generation = generation
        let log = try await auditLog()
        try confirmEpoch(against: log)
        generation.auditHead = log.head
        let signed = try generation.signed(by: secrets.signingKey, as: keySlot.id)
        let stored = try sealMetadata(Array(JSONEncoder.kura.encode(signed)), purpose: "generation")
        let id = GenerationID.hashing(stored)
        try await backend.put(ObjectName(.generations, id.hex), bytes: stored)
        try await appendAudit("generation", details: ["subject": generation.subject, "id": id.hex,
                                                      "generation": "\(generation.subject)@\(generation.number)"])
        return id
    }

    /// Every generation, oldest first. Records that fail authentication or whose signature
    /// does not verify are reported by `damaged`. A record listed but gone when read was
    /// forgotten meanwhile (forget runs beside backups and checks): it is left out, not damage.
    public func generations() async throws -> (valid: [StoredGeneration], damaged: [(String, RepositoryError)]) {
        var valid: [StoredGeneration] = []
        var damaged: [(String, RepositoryError)] = []
        // Only admin and backup keys make generations: a restore or auditor key could seal
        // a record, but readers do not accept its signature.
        let signers = try await signingKeys(roles: [.admin, .backup])
        for info in try await backend.list(.generations) {
            do {
                valid.append(try await loadGeneration(info.name, signers: signers))
            } catch let error as RepositoryError {
                damaged.append((info.name.name, error))
            } catch StorageError.notFound(let missing) where missing == info.name {
                continue
            }
        }
        valid.sort { ($0.generation.time, $0.id) < ($1.generation.time, $1.id) }
        return (valid, damaged)
    }

    private func loadGeneration(_ name: ObjectName, signers: [KeyID: Ed25519.PublicKey]) async throws -> StoredGeneration {
        let object = "generation \(name.name.prefix(8))"
        let stored = try await getRecord(name, purpose: "generation", object: object)
        guard GenerationID.hashing(stored).hex == name.name else {
            throw RepositoryError.damaged(object: object, reason: "content does not match its name")
        }
        let plain = try openMetadata(stored, purpose: "generation", object: object)
        guard let generation = try? JSONDecoder.kura.decode(Generation.self, from: Data(plain)) else {
            throw RepositoryError.damaged(object: object, reason: "does not parse")
        }
        guard generation.hasValidSignature(signers: signers) else {
            throw RepositoryError.damaged(object: object, reason: "its signature does not verify")
        }
        return StoredGeneration(id: GenerationID(bytes: SHA256.hash(stored)), generation: generation)
    }

    /// The next generation number for `subject`.
    public func nextNumber(for subject: String, in generations: [StoredGeneration]) -> Int {
        (generations.filter { $0.generation.subject == subject }.map(\.generation.number).max() ?? 0) + 1
    }

    /// Resolves `SUBJECT@N`, `SUBJECT@latest`, `SUBJECT` (latest) or an ID prefix.
    public func resolveGeneration(_ name: String, in generations: [StoredGeneration]) throws -> StoredGeneration {
        if let at = name.lastIndex(of: "@") {
            let subject = String(name[..<at])
            let selector = name[name.index(after: at)...]
            let ofSubject = generations.filter { $0.generation.subject == subject }
            if selector == "latest" {
                guard let latest = ofSubject.last else { throw RepositoryError.generationNotFound(name) }
                return latest
            }
            let matches = ofSubject.filter { String($0.generation.number) == selector }
            guard let match = matches.first else { throw RepositoryError.generationNotFound(name) }
            guard matches.count == 1 else { throw RepositoryError.ambiguousGeneration(name) }
            return match
        }
        let byID = generations.filter { $0.id.hex.hasPrefix(name.lowercased()) }
        if name.count >= 4, byID.count == 1 { return byID[0] }
        if byID.count > 1 { throw RepositoryError.ambiguousGeneration(name) }
        if let latest = generations.last(where: { $0.generation.subject == name }) { return latest }
        throw RepositoryError.generationNotFound(name)
    }
}
