import KuraStorage

extension Repository {
    /// Fails, before `command` has written anything (an audit entry, new index files), when
    /// the key cannot delete or the storage refuses this client every delete (an append-only
    /// `kura serve`): a command that deletes either runs whole or changes nothing.
    public func requireDeletes(for command: String) async throws {
        try require(.delete)
        if try await backend.isAppendOnly() {
            throw StorageError.appendOnlyRefusesCommand(location: backend.location, command: command)
        }
    }
}
