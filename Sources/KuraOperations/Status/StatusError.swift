/// Failures of `kura status` and `kura runbook` that are the admin's to fix.
public enum StatusError: Error, CustomStringConvertible {
    case unknownSubject(String)

    public var description: String {
        switch self {
        case .unknownSubject(let name):
            "no subject named \(name) in the policy or in its repositories; run kura status without a subject to list them"
        }
    }
}
