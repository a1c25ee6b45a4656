import KuraStorage

extension Repository {
    /// Removes a generation record (forget). Its data stays until prune finds it unused.
    public func delete(generation id: GenerationID) async throws {
        try require(.delete)
        try await backend.delete(ObjectName(.generations, id.hex))
    }
}
