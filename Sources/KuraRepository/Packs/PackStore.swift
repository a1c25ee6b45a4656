/// A sealed pack on its way to storage, with what the index will say about it once stored.
struct PackStore {
    let id: PackID
    let entries: [PackEntry]
    let size: Int
    let task: Task<Void, Error>
}
