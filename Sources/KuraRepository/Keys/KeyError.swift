import Foundation

/// Refusals about keys and roles, written for the admin.
public enum KeyError: Error, Equatable, Sendable {
    /// The key that opened the repository cannot do this: its slot does not hold the secrets.
    case roleCannot(role: Role, action: String)
    /// Only an admin key may add or remove keys.
    case adminOnly(role: Role, action: String)
    case expired(name: String, id: KeyID, at: Date)
    /// The slot that opened is not certified back to the repository's first admin.
    case notCertified(KeyID)
    case noSuchKey(String)
    case ambiguousKey(String)
    case lastAdmin(KeyID)
    case badName(String)
    /// The audit log does not make this slot a member: it records the key's removal at
    /// `removedAt`, or (nil) never records it being added.
    case notAMember(KeyID, removedAt: Int?)
    /// The new password already opens another key's slot.
    case passwordInUse(KeyID)
    /// More than one slot claims to be the first admin, so none can be believed before opening.
    case contestedRoots([KeyID])
    /// The slot asks for more Argon2id work than Kura spends on a cost its key did not sign.
    case unsignedCost(KeyID, iterations: UInt32, memoryKiB: UInt32)
    /// The password opened none of the slots tried, and these were not tried.
    case noneOpened(skipped: [KeyError])
    /// `key passwd` on a key that a key file opens: it has no password to change.
    case opensWithKeyFile(KeyID)
}

extension KeyError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .roleCannot(let role, let action):
            "this is a \(role.rawValue) key: its role cannot \(action); use a key whose role can (see `kura key list`)"
        case .adminOnly(let role, let action):
            "this is a \(role.rawValue) key: only an admin key can \(action); open the repository with an admin key's password"
        case .expired(let name, let id, let time):
            "key \(name) (\(id.short)) expired at \(KuraTime.format(time)); an admin can add a new key with `kura key add`"
        case .notCertified(let id):
            "key slot \(id.short) is not certified by an admin key of this repository (forged or altered); it is refused"
        case .noSuchKey(let prefix): "no key with ID \(prefix); list them with `kura key list`"
        case .ambiguousKey(let prefix): "\(prefix) matches more than one key; give more of the ID"
        case .lastAdmin(let id):
            "key \(id.short) is the last admin key; add another admin key (`kura key add --role admin`) before removing it"
        case .badName(let reason): "bad key name: \(reason)"
        case .notAMember(let id, let removedAt):
            "key slot \(id.short) is in storage but "
                + (removedAt.map { "the audit log records its removal (entry \($0))" } ?? "the audit log never records it being added")
                + " (put back or written to storage directly); it is refused. Find out who wrote keys/\(id.hex), and delete it"
        case .passwordInUse(let id):
            "that password already opens key \(id.short); give every key its own password (or open a chosen key with --key ID)"
        case .contestedRoots(let ids):
            "key slots " + ids.map(\.short).joined(separator: " and ") + " both claim to be the repository's first admin "
                + "(one was written to storage by someone else); no slot is tried: open your key with --key ID, then run `kura check`"
        case .unsignedCost(let id, let iterations, let memoryKiB):
            "key slot \(id.short) asks for Argon2id t=\(iterations), m=\(memoryKiB / 1024) MiB, more than Kura spends on a cost "
                + "its key did not sign (altered, or written before slots were signed); if it is yours, open it with --key \(id.short) "
                + "and run `kura key passwd`"
        case .noneOpened(let skipped):
            "wrong password: it opens no key slot that was tried; not tried: " + skipped.map(\.description).joined(separator: "; ")
        case .opensWithKeyFile(let id):
            "key \(id.short) is opened by a key file and has no password; to replace its secret, add a new key "
                + "(`kura key add --key-file FILE`) and remove this one (`kura key remove \(id.short)`)"
        }
    }
}
