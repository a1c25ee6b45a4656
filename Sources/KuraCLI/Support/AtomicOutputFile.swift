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
    /// The temporary file's removal if kura is interrupted (`InterruptCleanup`).
    private var interruptToken = 0

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
        let temporary = candidate
        interruptToken = InterruptCleanup.register { unlink(temporary) }
    }

    /// Flushes to disk and renames into place.
    func commit() throws {
        guard fsync(sink.descriptor) == 0 else { throw FileError.cannotWrite(path: path, errno: errno) }
        guard close(sink.descriptor) == 0 else { throw FileError.cannotWrite(path: path, errno: errno) }
        guard rename(temporaryPath, path) == 0 else { throw FileError.cannotWrite(path: path, errno: errno) }
        committed = true
        InterruptCleanup.unregister(interruptToken)
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
            InterruptCleanup.unregister(interruptToken)
        }
    }
}
