/// Whether `config/config` is the file the repository was created with. It is plaintext,
/// so its values are always checked; since the `init` audit entry records its SHA-256
/// (signed by the first admin), it can also be authenticated.
public enum ConfigAuthentication: Sendable, Equatable {
    /// Its SHA-256 is the one the signed `init` entry records.
    case authenticated
    /// Nothing signed records it (the reason); only its values were checked.
    case unauthenticated(String)
}
