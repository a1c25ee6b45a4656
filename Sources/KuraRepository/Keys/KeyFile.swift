import KuraCrypto

/// A key file: the random secret that opens one key slot without a password, for cron jobs
/// and timers (`kura init --key-file`, `kura key add --key-file`; docs/KEYS.md, "Key files").
///
/// The text is `#` comment lines and one line
/// `kura-key-file-v1 <repository ID, hex> <key ID, hex> <secret, padded base64>`.
public struct KeyFile: Sendable {
    public static let secretSize = 32
    static let tag = "kura-key-file-v1"

    public let repository: RepositoryID
    public let key: KeyID
    public let secret: SecureBytes

    public init(repository: RepositoryID, key: KeyID, secret: SecureBytes) {
        self.repository = repository
        self.key = key
        self.secret = secret
    }

    /// Reads a key file's text.
    public init(parsing text: [UInt8]) throws(KeyFileError) {
        let lines = text.split(separator: 0x0A, omittingEmptySubsequences: true)
            .map { $0.last == 0x0D ? $0.dropLast() : $0 }
            .filter { line in !line.allSatisfy { $0 == 0x20 || $0 == 0x09 } && line.first != UInt8(ascii: "#") }
        guard lines.count == 1, let line = lines.first else {
            throw .malformed(lines.isEmpty ? "it holds no key line" : "it holds more than one key line")
        }
        let fields = line.split(separator: 0x20, omittingEmptySubsequences: true)
        guard fields.count == 4, fields[0].elementsEqual(Self.tag.utf8) else {
            throw .malformed("the key line is not `\(Self.tag) REPOSITORY KEY SECRET`")
        }
        guard let repository = RepositoryID(hex: String(decoding: fields[1], as: UTF8.self)),
              let key = KeyID(hex: String(decoding: fields[2], as: UTF8.self)) else {
            throw .malformed("the repository or key ID is not 64 hex digits")
        }
        guard var bytes = Base64.decodeCanonicalPadded(String(decoding: fields[3], as: UTF8.self)),
              bytes.count == Self.secretSize else {
            throw .malformed("the secret is not \(Self.secretSize) bytes of base64")
        }
        defer { secureZero(&bytes) }
        do { secret = try SecureBytes(copying: bytes) } catch { throw .malformed("no memory for the secret") }
        self.repository = repository
        self.key = key
    }

    /// The file's text, with a comment saying what the key is and how to keep it.
    public func text(role: Role, name: String) -> [UInt8] {
        let comment = "# Kura key file: \(role.rawValue) key \"\(name)\" (\(key.short)) of repository \(repository.short).\n"
            + "# Whoever can read this file holds the key: keep it mode 0600, owned by the user that runs kura.\n"
        return Array(comment.utf8) + Array("\(Self.tag) \(repository.hex) \(key.hex) ".utf8)
            + Array(Base64.encode(secret, padded: true).utf8) + [0x0A]
    }
}

/// A key file that cannot be used.
public enum KeyFileError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(String)
    /// The file was written for another repository.
    case anotherRepository(file: RepositoryID, repository: RepositoryID)
    /// The repository has no live key with the file's ID (removed, or never added here).
    case keyNotInRepository(KeyID)
    /// The slot is there but the secret does not open it (the file was altered, or the
    /// slot was rewritten by someone else).
    case doesNotOpen(KeyID)

    /// Whether the file itself is unreadable as a key file (rather than the wrong key).
    public var isMalformed: Bool { if case .malformed = self { true } else { false } }

    public var description: String {
        switch self {
        case .malformed(let reason): "not a Kura key file: \(reason)"
        case .anotherRepository(let file, let repository):
            "it is a key of repository \(file.short), not of this one (\(repository.short)); use that repository's key file"
        case .keyNotInRepository(let key):
            "its key \(key.short) is not a key of this repository (removed by `kura key remove`?); an admin can add a new one with `kura key add --key-file`"
        case .doesNotOpen(let key):
            "its secret does not open key \(key.short) (the file or the key slot was altered); restore the file from where you keep it, or add a new key"
        }
    }
}
