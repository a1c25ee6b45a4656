/// Why a backup did not start.
public enum BackupError: Error, CustomStringConvertible {
    /// None of the paths to back up exists (a missing path among others is skipped with a
    /// warning, as an unmounted disk must not leave the rest without a backup).
    case noPathExists([String])
    /// Reading the stream (standard input or a command's output) failed part way.
    case streamUnreadable(String, reason: String)

    public var description: String {
        switch self {
        case .noPathExists(let paths):
            "\(paths.joined(separator: ", ")) \(paths.count == 1 ? "does" : "do") not exist; nothing was backed up"
        case .streamUnreadable(let name, let reason): "cannot read \(name): \(reason); no generation was written"
        }
    }
}
