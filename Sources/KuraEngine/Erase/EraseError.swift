/// Why an erase refused or could not finish, written for the admin.
public enum EraseError: Error, Equatable, Sendable {
    /// The repository has no generation of the subject (a typo, or an erase already done).
    case unknownSubject(String)
    /// The admin did not confirm by typing the subject name or repository ID.
    case notConfirmed(String)
    /// Key slots or epoch envelopes were still listed after they were deleted.
    case keySlotsRemain(Int)
}

extension EraseError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .unknownSubject(let subject):
            "the repository has no generations of subject \(subject); list them with `kura generations` "
                + "(if an erase of it was interrupted, finish with `kura prune --max-unused 0%`)"
        case .notConfirmed(let what):
            "the confirmation did not match \(what); nothing was erased"
        case .keySlotsRemain(let count):
            "\(count) key slot or key-epoch object(s) are still listed after deleting them; check the storage's permissions "
                + "and run `kura erase --repository` again"
        }
    }
}
