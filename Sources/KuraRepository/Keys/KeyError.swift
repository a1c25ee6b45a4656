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
        }
    }
}
