import KuraRepository

/// Which source generations to copy: those of the named subjects and the named generations
/// (`SUBJECT@N`, `SUBJECT@latest` or an ID prefix); everything when both are empty.
public struct CopySelection: Sendable {
    public var subjects: [String]
    public var generations: [String]

    public init(subjects: [String] = [], generations: [String] = []) {
        self.subjects = subjects
        self.generations = generations
    }

    public static let everything = CopySelection()
}

/// What a copy will do: the source generations to copy (each subject's in number order), and
/// those the destination already holds, with the destination's generation.
public struct CopyPlan: Sendable {
    public var pending: [StoredGeneration]
    public var present: [(source: StoredGeneration, destination: StoredGeneration)]
    /// Source generation records that cannot be read (they are not copied), with why.
    public var unreadable: [(name: String, error: RepositoryError)] = []
    /// Every generation of both repositories when the plan was made.
    var sourceGenerations: [StoredGeneration] = []
    var destinationGenerations: [StoredGeneration] = []
}
