import Foundation
import KuraCrypto
import KuraRepository

/// The trees of a subject's last generation, kept on the backup host for a key that cannot
/// read them back (a backup key): with them, unchanged files are recognised by their metadata
/// and not read again. One file per repository and subject under `$XDG_CACHE_HOME/kura/trees`
/// (else `~/.cache/kura/trees`), mode 0600 in a 0700 folder. It holds file names and metadata
/// of data that is on this host anyway, and blob IDs; no keys. A missing, stale or unreadable
/// cache only means files are read again; blobs it names are reused only if the index has them.
struct BackupTreeCache: Codable {
    /// The generation these trees belong to; the cache is used only when it is still the
    /// subject's newest.
    var generation: GenerationID
    var root: BlobID
    var trees: [BlobID: Tree]

    /// Kura's cache folder, `$XDG_CACHE_HOME/kura` (else `~/.cache/kura`).
    static func kuraCacheFolder() -> URL {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.cache"
        return URL(fileURLWithPath: base).appendingPathComponent("kura")
    }

    static func folder() -> URL { kuraCacheFolder().appendingPathComponent("trees") }

    /// Marks Kura's cache folder with a CACHEDIR.TAG (bford.info/cachedir), so that backup
    /// tools that honour the tag leave it out.
    static func tagCacheFolder() {
        let tag = kuraCacheFolder().appendingPathComponent("CACHEDIR.TAG")
        guard !FileManager.default.fileExists(atPath: tag.path) else { return }
        let text = "Signature: 8a477f597d28d172789f06886806bc55\n"
            + "# This file is a cache directory tag created by kura.\n"
            + "# For information about cache directory tags, see https://bford.info/cachedir/\n"
        _ = FileManager.default.createFile(atPath: tag.path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o644])
    }

    static func file(repository: RepositoryID, subject: String) -> URL {
        let digest = SHA256.hash(Array(subject.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
        return folder().appendingPathComponent("\(repository.hex.prefix(16))-\(digest).json")
    }

    static func load(repository: RepositoryID, subject: String, generation: GenerationID) -> BackupTreeCache? {
        guard let data = try? Data(contentsOf: file(repository: repository, subject: subject)),
              let cache = try? JSONDecoder().decode(BackupTreeCache.self, from: data),
              cache.generation == generation else { return nil }
        return cache
    }

    /// Writes the cache atomically (temporary file, then rename); failures are ignored.
    func save(repository: RepositoryID, subject: String) {
        let folder = Self.folder()
        let target = Self.file(repository: repository, subject: subject)
        guard (try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])) != nil,
              let data = try? JSONEncoder().encode(self) else { return }
        Self.tagCacheFolder()
        let temporary = folder.appendingPathComponent(".\(target.lastPathComponent).\(getpid()).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = try? FileHandle(forWritingTo: temporary) else { return }
        let written = (try? handle.write(contentsOf: data)) != nil && (try? handle.synchronize()) != nil
        try? handle.close()
        guard written, rename(temporary.path, target.path) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            return
        }
    }

    /// Removes every cache file of `repository` on this host (crypto-erase); returns how many.
    static func removeAll(repository: RepositoryID) -> Int {
        let prefix = "\(repository.hex.prefix(16))-"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder().path)) ?? []
        return names.filter { $0.hasPrefix(prefix) }.filter {
            (try? FileManager.default.removeItem(at: folder().appendingPathComponent($0))) != nil
        }.count
    }
}
