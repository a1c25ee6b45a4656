import Foundation
import KuraCrypto
import KuraRepository
import KuraStorage

/// Reading and writing key files on disk: a key file must be a regular file that only its
/// owner can read (mode 0600 or stricter), as ssh demands of private keys.
enum KeyFileAccess {
    /// The key file at `path`.
    static func read(_ path: String) throws -> KeyFile {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw KeyFileFailure.unreadable(path, errno) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw KeyFileFailure.unreadable(path, errno) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw KeyFileFailure.notAFile(path) }
        guard info.st_mode & 0o077 == 0 else { throw KeyFileFailure.readableByOthers(path, mode: info.st_mode & 0o777) }
        var contents: [UInt8] = []
        defer { secureZero(&contents) }
        var chunk = [UInt8](repeating: 0, count: 4096)
        defer { secureZero(&chunk) }
        while true {
            let count = Foundation.read(descriptor, &chunk, chunk.count)
            if count < 0 { if errno == EINTR { continue }; throw KeyFileFailure.unreadable(path, errno) }
            if count == 0 { break }
            contents.append(contentsOf: chunk[..<count])
            guard contents.count <= 16 * 1024 else { throw KeyFileFailure.unusable(path, .malformed("it is larger than 16 KiB")) }
        }
        do { return try KeyFile(parsing: contents) } catch { throw KeyFileFailure.unusable(path, error) }
    }

    /// Opens the repository with the key file at `path`, naming the file in any refusal.
    static func openRepository(_ backend: any StorageBackend, path: String) async throws -> Repository {
        let keyFile = try read(path)
        do {
            return try await Repository.open(backend: backend, keyFile: keyFile)
        } catch let error as KeyFileError {
            throw KeyFileFailure.unusable(path, error)
        }
    }

    /// A new key file at `path`, refused before anything is made if the path exists: call
    /// `write` once the key exists; dropped unwritten, nothing is left behind.
    static func create(_ path: String) throws -> NewKeyFile {
        guard access(path, F_OK) != 0 else { throw KeyFileFailure.exists(path) }
        return NewKeyFile(output: try AtomicOutputFile(path: path, mode: 0o600, overwrite: false), credential: try .newKeyFileSecret())
    }

    /// A key file being made: its secret is chosen first, the file is written once the slot exists.
    struct NewKeyFile {
        let output: AtomicOutputFile
        let credential: KeyCredential

        /// Writes and syncs the file for `slot` of `repository`.
        func write(slot: KeySlot, repository: RepositoryID) throws {
            guard case .keyFileSecret(let secret) = credential else { return }
            var text = KeyFile(repository: repository, key: slot.id, secret: secret).text(role: slot.role, name: slot.name)
            defer { secureZero(&text) }
            try text.withUnsafeBytes { try output.sink.write($0) }
            try output.commit()
        }
    }
}

/// A key file that cannot be read, written or used, naming the file and what to do.
enum KeyFileFailure: Error, CustomStringConvertible {
    case unreadable(String, Int32)
    case notAFile(String)
    case readableByOthers(String, mode: mode_t)
    case exists(String)
    case unusable(String, KeyFileError)

    var description: String {
        switch self {
        case .unreadable(let path, let code): "cannot read the key file \(path): \(String(cString: strerror(code)))"
        case .notAFile(let path): "the key file \(path) is not a regular file"
        case .readableByOthers(let path, let mode):
            "the key file \(path) can be read by others (mode \(String(mode, radix: 8))); run `chmod 600 \(path)` and check who read it"
        case .exists(let path):
            "the key file \(path) already exists; a new key gets a new file: move the old one away or choose another path"
        case .unusable(let path, let error): "key file \(path): \(error)"
        }
    }

    var status: ExitStatus {
        switch self {
        case .unreadable: .failure
        case .notAFile, .readableByOthers, .exists: .usage
        case .unusable(_, let error): error.isMalformed ? .malformed : .wrongKey
        }
    }
}
