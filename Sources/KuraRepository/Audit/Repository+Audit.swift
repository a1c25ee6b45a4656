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
            let head = try await auditLog().head
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

    /// Every entry of the audit log, in sequence order.
    public func auditLog() async throws -> AuditLog {
        var log = AuditLog()
        for info in try await backend.list(.audit) {
            let object = info.name.name
            guard let sequence = Self.sequence(ofAuditObject: object), let id = AuditEntryID(hex: String(object.suffix(64))) else {
                log.unreadable.append((object, "not an audit entry name"))
                continue
            }
            do {
                let stored = try await getRecord(info.name, purpose: "audit", object: "audit entry \(sequence)")
                guard AuditEntryID.hashing(stored) == id else {
                    log.unreadable.append((object, "its content does not match its name (altered)"))
                    continue
                }
                let plain = try openMetadata(stored, purpose: "audit", object: "audit entry \(sequence)")
                guard let entry = try? JSONDecoder.kura.decode(AuditEntry.self, from: Data(plain)) else {
                    log.unreadable.append((object, "does not parse"))
                    continue
                }
                guard entry.sequence == sequence else {
                    log.unreadable.append((object, "its name says entry \(sequence) but it holds entry \(entry.sequence) (moved)"))
                    continue
                }
                log.entries.append(StoredAuditEntry(id: id, entry: entry))
            } catch RepositoryError.damaged {
                log.unreadable.append((object, "fails authentication (altered, or from another repository)"))
            }
        }
        log.entries.sort { ($0.entry.sequence, $0.id) < ($1.entry.sequence, $1.id) }
        return log
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
