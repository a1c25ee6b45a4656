import KuraRepository

/// Why a copy between repositories stopped, written for the admin: what, where, what to do.
public enum CopyError: Error, Equatable, Sendable {
    /// Source and destination are the same repository (same repository ID).
    case sameRepository(String)
    /// The destination already has SUBJECT@N, and it is not a copy of the source's SUBJECT@N.
    case numberTaken(name: String, destination: String, source: String)
    /// A subject named with --subject has no generation in the source.
    case noGenerations(subject: String, source: String)
    /// A failure reading the source repository (the copy stops; the destination keeps no
    /// partial generation).
    case inSource(location: String, error: RepositoryError)
    /// A failure writing or reading the destination repository.
    case inDestination(location: String, error: RepositoryError)
}

extension CopyError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .sameRepository(let location):
            "\(location) is the source and the destination; name two different repositories"
        case .numberTaken(let name, let destination, let source):
            "the destination \(destination) already has \(name), which is not a copy of \(name) in \(source); "
                + "nothing of \(name) was copied; copy this subject into a repository that holds only copies of it "
                + "(docs/COPY.md)"
        case .noGenerations(let subject, let source):
            "the source \(source) has no generation of subject \(subject); list them with `kura generations --repo \(source)`"
        case .inSource(let location, let error):
            "in the source \(location): \(error.description.replacingOccurrences(of: "`kura check`", with: "`kura check --repo \(location)`"))"
        case .inDestination(let location, let error):
            "in the destination \(location): \(error.description.replacingOccurrences(of: "`kura check`", with: "`kura check --repo \(location)`"))"
        }
    }
}
