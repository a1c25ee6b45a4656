import Foundation

/// One entry of the audit log: an administrative act (init, restore, forget, prune, drill,
/// key changes, erase), who did it and when, chained to the entry before it by that entry's
/// ID (SHA-256 of its stored bytes) and signed by the actor's key. Stored as
/// `audit/<sequence, 12 digits>-<ID>`, encrypted with the metadata key.
public struct AuditEntry: Codable, Sendable, Equatable {
    public var version: Int = 1
    /// 1 for the first entry, then one more for each.
    public var sequence: Int
    public var time: Date
    /// The key slot that acted.
    public var actor: KeyID
    /// What was done: "init", "restore", "forget", "prune", "drill", "key-add", …
    public var action: String
    /// What it concerned, as short strings (generation names, counts, targets).
    public var details: [String: String]
    /// The ID of entry `sequence - 1`; nil for the first entry.
    public var previous: AuditEntryID?
    public var host: String
    /// Base64 Ed25519 signature over the entry's canonical JSON with this field empty.
    public var signature: String = ""

    public init(sequence: Int, time: Date, actor: KeyID, action: String, details: [String: String],
                previous: AuditEntryID?, host: String) {
        self.sequence = sequence
        self.time = time
        self.actor = actor
        self.action = action
        self.details = details
        self.previous = previous
        self.host = host
    }
}

extension AuditEntry: SignedRecord {
    var signer: KeyID {
        get { actor }
        set { actor = newValue }
    }
}

/// An entry as read from the repository, with its ID.
public struct StoredAuditEntry: Sendable, Equatable {
    public let id: AuditEntryID
    public let entry: AuditEntry
}

/// The newest entry of the log: what an admin keeps elsewhere (`kura audit head`) and what
/// each generation records, so that a log rolled back or cut short is noticed.
public struct AuditHead: Codable, Sendable, Equatable, CustomStringConvertible {
    public var sequence: Int
    public var id: AuditEntryID

    public init(sequence: Int, id: AuditEntryID) {
        self.sequence = sequence
        self.id = id
    }

    /// "SEQUENCE ID", the line `kura audit head` prints and a witness file holds.
    public var description: String { "\(sequence) \(id.hex)" }

    public init?(line: String) {
        let parts = line.split(whereSeparator: \.isWhitespace)
        guard parts.count == 2, let sequence = Int(parts[0]), sequence > 0, let id = AuditEntryID(hex: String(parts[1])) else {
            return nil
        }
        self.init(sequence: sequence, id: id)
    }
}
