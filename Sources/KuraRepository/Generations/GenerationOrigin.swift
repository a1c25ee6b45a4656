/// Where a copied generation came from: the source repository's ID and the source
/// generation's ID. Copying again finds it by this and copies nothing twice.
public struct GenerationOrigin: Codable, Sendable, Hashable {
    public var repository: RepositoryID
    public var generation: GenerationID

    public init(repository: RepositoryID, generation: GenerationID) {
        self.repository = repository
        self.generation = generation
    }
}
