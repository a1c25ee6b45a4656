import Foundation
import KuraCrypto
import KuraStorage

/// The audit log as read from the repository: readable entries in sequence order, and the
/// objects that could not be read (altered, foreign, misnamed).
public struct AuditLog: Sendable {
    public var entries: [StoredAuditEntry] = []
    public var unreadable: [(name: String, reason: String)] = []

    /// The newest entry (the lowest ID if two claim the last sequence number).
    public var head: AuditHead? {
        entries.last.map { last in
            let newest = entries.filter { $0.entry.sequence == last.entry.sequence }.min { $0.id < $1.id } ?? last
            return AuditHead(sequence: newest.entry.sequence, id: newest.id)
        }
    }
}

extension Repository {
    /// Appends an entry for `action` done by this handle's key, chained to the current head.
    /// Two writers that pick the same sequence number both see it after writing; any writer
    /// that sees a rival withdraws its entry and tries again, so the log stays one chain.
    @discardableResult
    public func appendAudit(_ action: String, details: [String: String] = [:]) async throws -> StoredAuditEntry {
        // A key without the newest epoch cannot read the newest entries, so it cannot chain to them.
        try requireCurrentEpoch()
        for attempt in 0..<12 {
            let head = try await auditHead()
            let entry = AuditEntry(sequence: (head?.sequence ?? 0) + 1, time: KuraClock.now, actor: keySlot.id,
                                   action: action, details: details, previous: head?.id,
                                   host: ProcessInfo.processInfo.hostName)
            let signed = try entry.signed(by: secrets.signingKey, as: keySlot.id)
            let stored = try sealMetadata(Array(JSONEncoder.kura.encode(signed)), purpose: "audit")
            let id = AuditEntryID.hashing(stored)
            let name = try ObjectName(.audit, Self.auditObjectName(sequence: entry.sequence, id: id))
            try await backend.put(name, bytes: stored)
            let rivals = try await backend.list(.audit).filter {
                $0.name != name && Self.sequence(ofAuditObject: $0.name.name) == entry.sequence
            }
            if rivals.isEmpty { return StoredAuditEntry(id: id, entry: signed) }
            try await backend.delete(name)
            try await Task.sleep(nanoseconds: UInt64.random(in: 20_000_000...200_000_000) << min(attempt, 4))
        }
        throw RepositoryError.auditContention
    }

    /// The head to chain a new entry to: the readable entry (the lowest ID of several) among
    /// the objects with the highest sequence number. Reads only those (the rest of the log is
    /// only listed), so appending stays cheap as the log grows. When none of them can be read, nothing may follow them:
    /// an entry chained to an older one would hide the damage behind a valid-looking chain.
    func auditHead() async throws -> AuditHead? {
        let listed = try await backend.list(.audit).compactMap { info in
            Self.sequence(ofAuditObject: info.name.name).map { (sequence: $0, name: info.name) }
        }
        guard let newest = listed.map(\.sequence).max() else { return nil }
        var heads: [StoredAuditEntry] = []
        var damaged: [(object: String, reason: String)] = []
        for candidate in listed where candidate.sequence == newest {
            switch try await readAuditObject(candidate.name) {
            case .success(let stored): heads.append(stored)
            case .failure(let failure): damaged.append((candidate.name.name, failure.reason))
            }
        }
        if let head = heads.min(by: { $0.id < $1.id }) { return AuditHead(sequence: head.entry.sequence, id: head.id) }
        throw RepositoryError.auditHeadUnreadable(object: damaged[0].object, reason: damaged[0].reason)
    }

    /// Every entry of the audit log, in sequence order.
    public func auditLog() async throws -> AuditLog {
        var log = AuditLog()
        for info in try await backend.list(.audit) {
            switch try await readAuditObject(info.name) {
            case .success(let stored): log.entries.append(stored)
            case .failure(let damage): log.unreadable.append((info.name.name, damage.reason))
            }
        }
        log.entries.sort { ($0.entry.sequence, $0.id) < ($1.entry.sequence, $1.id) }
        return log
    }

    /// Why an object in `audit/` is not an entry of the log.
    struct AuditObjectDamage: Error {
        let reason: String
    }

    /// Reads one object of `audit/`: an entry whose name, content and sequence agree, or why not.
    func readAuditObject(_ name: ObjectName) async throws -> Result<StoredAuditEntry, AuditObjectDamage> {
        let object = name.name
        guard let sequence = Self.sequence(ofAuditObject: object), let id = AuditEntryID(hex: String(object.suffix(64))) else {
            return .failure(AuditObjectDamage(reason: "not an audit entry name"))
        }
        do {
            let stored = try await getRecord(name, purpose: "audit", object: "audit entry \(sequence)")
            guard AuditEntryID.hashing(stored) == id else {
                return .failure(AuditObjectDamage(reason: "its content does not match its name (altered)"))
            }
            let plain = try openMetadata(stored, purpose: "audit", object: "audit entry \(sequence)")
            guard let entry = try? JSONDecoder.kura.decode(AuditEntry.self, from: Data(plain)) else {
                return .failure(AuditObjectDamage(reason: "does not parse"))
            }
            guard entry.sequence == sequence else {
                return .failure(AuditObjectDamage(reason: "its name says entry \(sequence) but it holds entry \(entry.sequence) (moved)"))
            }
            return .success(StoredAuditEntry(id: id, entry: entry))
        } catch RepositoryError.damaged {
            return .failure(AuditObjectDamage(reason: "fails authentication (altered, or from another repository)"))
        }
    }

    /// The Ed25519 public keys of the key slots, for checking audit signatures.
    public func auditSigners() async throws -> [KeyID: Ed25519.PublicKey] { try await signingKeys() }

    static func auditObjectName(sequence: Int, id: AuditEntryID) -> String {
        let digits = String(sequence)
        return String(repeating: "0", count: max(0, 12 - digits.count)) + digits + "-" + id.hex
    }

    static func sequence(ofAuditObject name: String) -> Int? {
        let parts = name.split(separator: "-")
        guard parts.count == 2, parts[0].count == 12, parts[1].count == 64 else { return nil }
        return Int(parts[0])
    }
}
