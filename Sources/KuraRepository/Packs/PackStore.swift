/// A sealed pack on its way to storage (being hashed for its name, then stored), with what
/// the index will say about it once stored.
struct PackStore {
    let entries: [PackEntry]
    let size: Int
    let task: Task<PackID, Error>
}
