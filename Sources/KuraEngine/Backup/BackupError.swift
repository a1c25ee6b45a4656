/// Why a backup did not start.
public enum BackupError: Error, CustomStringConvertible {
    /// A path to back up does not exist: backing up the rest would make a generation that
    /// looks complete but is not.
    case pathMissing(String)

    public var description: String {
        switch self {
        case .pathMissing(let path): "\(path) does not exist; nothing was backed up"
        }
    }
}
