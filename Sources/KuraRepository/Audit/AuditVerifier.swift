import Foundation
import KuraCrypto

/// Checks the audit log: one unbroken chain from entry 1, every signature valid and made by
/// a key of the repository that existed at the entry's time, and the log reaching every head
/// recorded elsewhere (in generations, and in a witness the admin kept). Each problem names
/// the entry it concerns.
public struct AuditVerifier {
    public let log: AuditLog
    public let signers: [KeyID: Ed25519.PublicKey]
    public let keySlots: [KeySlot]

    public init(log: AuditLog, signers: [KeyID: Ed25519.PublicKey], keySlots: [KeySlot]) {
        self.log = log
        self.signers = signers
        self.keySlots = keySlots
    }

    /// - Parameter heads: heads the log must contain, with where each was recorded
    ///   ("generation home@3", "the witness file").
    public func problems(heads: [(head: AuditHead, source: String)]) -> [String] {
        var problems = log.unreadable.map { "audit object \($0.name): \($0.reason)" }
        let bySequence = Dictionary(grouping: log.entries, by: \.entry.sequence)
        let last = log.entries.last?.entry.sequence ?? 0
        var previous: StoredAuditEntry?
        for sequence in stride(from: 1, through: last, by: 1) {
            guard let candidates = bySequence[sequence] else {
                problems.append("entry \(sequence) is missing (deleted)")
                previous = nil
                continue
            }
            if candidates.count > 1 {
                problems.append("entry \(sequence) exists \(candidates.count) times: "
                                + candidates.map(\.id.short).joined(separator: ", ") + " (replayed or forked)")
            }
            let stored = candidates[0]
            problems += check(stored, after: previous, sequence: sequence)
            previous = stored
        }
        for (head, source) in heads {
            guard let entry = bySequence[head.sequence]?.first(where: { $0.id == head.id }) else {
                let found = bySequence[head.sequence].map { "holds \($0[0].id.short) instead" } ?? "ends at entry \(last)"
                problems.append("\(source) records audit head \(head.sequence) \(head.id.short), but the log \(found) "
                                + "(rolled back, truncated or rewritten)")
                continue
            }
            _ = entry
        }
        return problems
    }

    private func check(_ stored: StoredAuditEntry, after previous: StoredAuditEntry?, sequence: Int) -> [String] {
        var problems: [String] = []
        let entry = stored.entry
        let label = "entry \(sequence) (\(entry.action), \(stored.id.short))"
        if sequence == 1, entry.previous != nil { problems.append("\(label) is first but names a previous entry") }
        if sequence > 1, let previous, entry.previous != previous.id {
            problems.append("\(label) does not follow entry \(sequence - 1) \(previous.id.short) (reordered, replaced or replayed)")
        }
        guard let slot = keySlots.first(where: { $0.id == entry.actor }) else {
            problems.append("\(label) was made by key \(entry.actor.short), which is not a key of this repository")
            return problems
        }
        if signers[entry.actor] == nil {
            problems.append("\(label) was made by key \(entry.actor.short), which is not certified by an admin key (forged or altered slot)")
        } else if !entry.hasValidSignature(signers: signers) {
            problems.append("\(label): the signature of key \(entry.actor.short) does not verify (altered)")
        }
        if entry.time < slot.created.addingTimeInterval(-300) {
            problems.append("\(label) is dated before its key \(slot.name) (\(entry.actor.short)) was created")
        }
        return problems
    }
}
