import Foundation

/// An output file that appears only when complete: bytes go to a temporary file beside the
/// target, which is synced and renamed over the target on `commit()`. If the command fails
/// or is interrupted (SIGINT, SIGTERM, SIGHUP), the temporary file is removed and the target
/// is untouched.
final class AtomicOutputFile {
    let path: String
    let temporaryPath: String
    let sink: FileSink
    private var committed = false

    /// - Parameters:
    ///   - mode: permissions of the finished file (0600 for secrets).
    ///   - overwrite: replace an existing target; otherwise refuse before writing anything.
    init(path: String, mode: mode_t, overwrite: Bool) throws {
        if !overwrite, access(path, F_OK) == 0 { throw FileError.outputExists(path: path) }
        let directory = (path as NSString).deletingLastPathComponent
        let base = (path as NSString).lastPathComponent
        var descriptor: Int32 = -1
        var candidate = ""
        for _ in 0..<16 {
            let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
            candidate = (directory.isEmpty ? "" : directory + "/") + ".\(base).kura-tmp-\(suffix)"
            descriptor = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
            if descriptor >= 0 || errno != EEXIST { break }
        }
        guard descriptor >= 0 else { throw FileError.cannotWrite(path: path, errno: errno) }
        fchmod(descriptor, mode)
        self.path = path
        self.temporaryPath = candidate
        self.sink = FileSink(descriptor: descriptor, name: path)
        InterruptCleanup.register(temporaryPath)
    }

    /// Flushes to disk and renames into place.
    func commit() throws {
        guard fsync(sink.descriptor) == 0 else { throw FileError.cannotWrite(path: path, errno: errno) }
        guard close(sink.descriptor) == 0 else { throw FileError.cannotWrite(path: path, errno: errno) }
        guard rename(temporaryPath, path) == 0 else { throw FileError.cannotWrite(path: path, errno: errno) }
        committed = true
        InterruptCleanup.unregister()
        let directory = (path as NSString).deletingLastPathComponent
        let directoryDescriptor = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    deinit {
        if !committed {
            close(sink.descriptor)
            unlink(temporaryPath)
            InterruptCleanup.unregister()
        }
    }
}

/// Removes the one in-progress temporary file if the process is interrupted by a signal.
/// The handler only calls unlink(2) and _exit(2), which are async-signal-safe.
enum InterruptCleanup {
    nonisolated(unsafe) private static var pathBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: 4096)
    nonisolated(unsafe) private static var installed = false

    static func register(_ path: String) {
        let bytes = Array(path.utf8CString.prefix(4095))
        for (index, byte) in bytes.enumerated() { pathBuffer[index] = byte }
        pathBuffer[bytes.count] = 0
        guard !installed else { return }
        installed = true
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber) { received in
                if InterruptCleanup.pathBuffer[0] != 0 { unlink(InterruptCleanup.pathBuffer) }
                _exit(128 + received)
            }
        }
    }

    static func unregister() { pathBuffer[0] = 0 }
}
