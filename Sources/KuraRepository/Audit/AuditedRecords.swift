/// The generation and drill records the audit log says were written and not removed since:
/// a `generation` entry names each generation record saved, a `drill` entry each drill
/// record; `forget` names the generations it deletes and `erase-subject-records` (before
/// deleting) and `erase-subject` (after) remove a subject's records. Whatever is left must exist, so deleting a record (even a subject's only
/// generation) is noticed as long as the log reaches the entry that named it.
public struct AuditedRecords: Sendable {
    /// A record the log names, with what to call it.
    public struct Expected: Sendable {
        public let object: String
        public let label: String
        public let subject: String
        /// The entry that records it.
        public let sequence: Int
    }

    /// Keyed by full ID (hex).
    public private(set) var generations: [String: Expected] = [:]
    public private(set) var drills: [String: Expected] = [:]

    /// IDs in forget entries are shortened to this many hex digits (64 bits) to keep the
    /// entry small when many generations go at once.
    public static let forgottenIDLength = 16

    public init(log: AuditLog) {
        for stored in log.entries {
            let details = stored.entry.details
            let sequence = stored.entry.sequence
            switch stored.entry.action {
            case "generation":
                if let id = details["id"], let name = details["generation"], let subject = details["subject"] {
                    generations[id] = Expected(object: "generation \(id.prefix(8))", label: name, subject: subject,
                                               sequence: sequence)
                }
            case "drill":
                if let id = details["drill"], let name = details["generation"], let at = name.lastIndex(of: "@") {
                    drills[id] = Expected(object: "drill record \(id.prefix(8))", label: "a drill of \(name)",
                                          subject: String(name[..<at]), sequence: sequence)
                }
            case "forget":
                if let ids = details["ids"] {
                    let forgotten = Set(ids.split(separator: " ").map(String.init))
                    generations = generations.filter { !forgotten.contains(String($0.key.prefix(Self.forgottenIDLength))) }
                } else {
                    // Written by a kura before forget named IDs: names, which are unique enough here.
                    let names = Set((details["generations"] ?? "").split(separator: " ").map(String.init))
                    generations = generations.filter { !names.contains($0.value.label) }
                }
            case "erase-subject", "erase-subject-records":
                if let subject = details["subject"] {
                    generations = generations.filter { $0.value.subject != subject }
                    drills = drills.filter { $0.value.subject != subject }
                }
            default:
                break
            }
        }
    }

    /// The named records that are not among `generations` and `drills` (object names as
    /// stored), each with its object and why it is missed.
    public func missing(generations present: Set<String>, drills presentDrills: Set<String>) -> [(object: String, reason: String)] {
        let lost = Array(generations.filter { !present.contains($0.key) }.values)
            + Array(drills.filter { !presentDrills.contains($0.key) }.values)
        return lost.sorted { $0.sequence < $1.sequence }.map { expected in
            (expected.object, "is missing (\(expected.label)): audit entry \(expected.sequence) records it and no forget or "
                + "erase removed it since (deleted; restore it from a copy of the repository)")
        }
    }
}
