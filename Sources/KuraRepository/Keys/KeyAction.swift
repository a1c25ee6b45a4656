/// What a command may ask of the key that opened the repository.
public enum KeyAction: Sendable {
    /// Store data and write generation records (admin, backup).
    case writeGenerations
    /// Decrypt file contents and trees (admin, restore).
    case readContents
    /// Delete generations, index files or packs (admin).
    case delete
    /// Add or remove keys (admin).
    case manageKeys
}
