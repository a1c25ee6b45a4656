import Foundation

/// Deletes a folder and everything under it, as restored: names that are not UTF-8,
/// directories restored without write permission (made writable first), symlinks removed
/// and never followed.
public enum TreeRemover {
    /// Removes `path`; a path that does not exist is not an error.
    public static func remove(_ path: String) throws {
        try remove(RawPath(path))
    }

    static func remove(_ path: RawPath) throws {
        guard let info = try? FileSystem.lstat(path) else { return }
        if info.st_mode & S_IFMT == S_IFDIR {
            _ = path.withCString { chmod($0, 0o700) }
            for name in try FileSystem.entries(path) { try remove(path.appending(name)) }
            guard path.withCString(rmdir) == 0 || errno == ENOENT else {
                throw FileSystem.Failure(path: path, operation: "cannot remove", code: errno)
            }
        } else {
            guard path.withCString(unlink) == 0 || errno == ENOENT else {
                throw FileSystem.Failure(path: path, operation: "cannot remove", code: errno)
            }
        }
    }
}
