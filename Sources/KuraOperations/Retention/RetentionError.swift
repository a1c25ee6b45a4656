/// Why forget refused to run. Forget never guesses: without a rule it deletes nothing.
public enum RetentionError: Error, Equatable, Sendable {
    case noRule
    case noRuleInPolicy(file: String)
    case unknownSubject(String)
    case subjectNotInPolicy(String, file: String)
}

extension RetentionError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .noRule:
            "no keep rule given, so nothing would be kept; name at least one of --keep-last, --keep-hourly, "
                + "--keep-daily, --keep-weekly, --keep-monthly, --keep-yearly (a count above 0), --keep-within or --keep-within-daily (…), or use --policy"
        case .noRuleInPolicy(let file):
            "no subject in \(file) has a keep rule for the generations in this repository; add `keep = { ... }` to the subjects first"
        case .unknownSubject(let subject):
            "the repository has no generations of subject \(subject); list them with `kura generations`"
        case .subjectNotInPolicy(let subject, let file):
            "subject \(subject) is not in the policy file \(file); check the name or the file"
        }
    }
}

extension RetentionError {
    /// A problem of the policy file rather than of the repository.
    public var isConfiguration: Bool {
        switch self {
        case .noRuleInPolicy, .subjectNotInPolicy: true
        default: false
        }
    }
}
