import Foundation

/// Counts the files and bytes a backup will see, on a thread of its own, so progress can show
/// totals and an ETA. It reads metadata only and applies the same excludes and
/// --one-file-system rule as the backup; files changing meanwhile make it an estimate.
final class SizeEstimator: @unchecked Sendable {
    private let lock = NSLock()
    private var files = 0
    private var bytes: Int64 = 0
    private var finished = false
    private var cancelled = false

    /// Totals once the walk has finished, nil before.
    var totals: (files: Int, bytes: Int64)? {
        lock.withLock { finished ? (files, bytes) : nil }
    }

    func start(paths: [String], excludes: GlobMatcher, oneFileSystem: Bool) {
        let thread = Thread { [self] in
            for path in paths {
                let root = RawPath(path)
                guard let info = try? FileSystem.lstat(root) else { continue }
                walk(root, info: info, device: info.st_dev, excludes: excludes, oneFileSystem: oneFileSystem)
            }
            lock.withLock { finished = true }
        }
        thread.qualityOfService = .utility
        thread.start()
    }

    func cancel() { lock.withLock { cancelled = true } }

    private func walk(_ path: RawPath, info: stat, device: dev_t, excludes: GlobMatcher, oneFileSystem: Bool) {
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            lock.withLock {
                files += 1
                bytes += Int64(info.st_size)
            }
        case S_IFDIR:
            if lock.withLock({ cancelled }) { return }
            if oneFileSystem, info.st_dev != device { return }
            for name in (try? FileSystem.entries(path)) ?? [] {
                let child = path.appending(name)
                if excludes.matches(path: child.description, name: String(decoding: name, as: UTF8.self)) { continue }
                guard let childInfo = try? FileSystem.lstat(child) else { continue }
                walk(child, info: childInfo, device: device, excludes: excludes, oneFileSystem: oneFileSystem)
            }
        default:
            break
        }
    }
}
