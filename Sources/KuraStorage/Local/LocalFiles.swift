import Foundation

/// The system calls the local backend makes, each turning errno into a `StorageError`
/// that names the path.
enum LocalFiles {
    static func error(_ path: String, _ code: Int32) -> StorageError {
        switch code {
        case EACCES, EPERM, EROFS: .permissionDenied(path)
        case ENOSPC, EDQUOT: .noSpace(path)
        case ENOENT: .ioFailure(path, reason: String(cString: strerror(code)), retryable: false)
        default: .ioFailure(path, reason: String(cString: strerror(code)), retryable: code == EINTR || code == EAGAIN || code == EIO)
        }
    }

    /// stat(2), named so that Swift does not take it for the struct of the same name.
    private static let statPath: @Sendable (UnsafePointer<CChar>, UnsafeMutablePointer<stat>) -> Int32 = { stat($0, $1) }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return statPath(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    /// Size and modification time of a regular file.
    static func sizeAndTime(_ path: String) -> (size: Int, modified: Date)? {
        var info = stat()
        guard statPath(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        let modified = Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec) + TimeInterval(info.st_mtim.tv_nsec) / 1e9)
        return (Int(info.st_size), modified)
    }

    static func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o700) != 0, errno != EEXIST { throw error(path, errno) }
    }

    /// Creates `path` and any missing parents (mkdir -p), each 0700.
    static func makeDirectories(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += "/" + part
            if !isDirectory(prefix) { try makeDirectory(prefix) }
        }
    }

    static func syncDirectory(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw error(path, errno) }
        defer { close(descriptor) }
        if fsync(descriptor) != 0 { throw error(path, errno) }
    }

    static func entries(_ path: String) throws -> [String] {
        guard let directory = opendir(path) else { throw error(path, errno) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Removes a temporary file of `writeAtomically` (`.NAME.tmp-N`) that is more than an
    /// hour old: its writer was killed between creating and renaming it (a write takes
    /// seconds), and nothing else will ever remove it.
    static func removeIfAbandonedTemporary(_ path: String) {
        let name = (path as NSString).lastPathComponent
        guard name.hasPrefix("."), name.contains(".tmp-") else { return }
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG,
              time(nil) - info.st_mtim.tv_sec > 3600 else { return }
        unlink(path)
    }

    /// Temporary file in the same folder, write, fsync, rename, fsync the folder.
    /// With `replacing` false an existing `path` is kept: the temporary file is linked into
    /// place (link(2) never replaces) and false is returned, with nothing written.
    @discardableResult
    static func writeAtomically(_ bytes: [UInt8], to path: String, readOnly: Bool, replacing: Bool = true) throws -> Bool {
        let folder = (path as NSString).deletingLastPathComponent
        let temporary = "\(folder)/.\((path as NSString).lastPathComponent).tmp-\(UInt64.random(in: 0...UInt64.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw error(path, errno) }
        var succeeded = false
        defer {
            if !succeeded {
                close(descriptor)
                unlink(temporary)
            }
        }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, bytes.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw error(path, errno)
            }
            offset += written
        }
        if readOnly { fchmod(descriptor, 0o400) }
        guard fsync(descriptor) == 0 else { throw error(path, errno) }
        guard close(descriptor) == 0 else { throw error(path, errno) }
        succeeded = true
        if replacing {
            guard rename(temporary, path) == 0 else {
                let code = errno
                unlink(temporary)
                throw error(path, code)
            }
        } else {
            let linked = link(temporary, path) == 0
            let code = errno
            unlink(temporary)
            if !linked, code == EEXIST { return false }
            guard linked else { throw error(path, code) }
        }
        try syncDirectory(folder)
        return true
    }

    static func read(_ path: String, object: ObjectName, offset: Int = 0, length: Int? = nil) throws -> [UInt8] {
        let file = try OpenFile(path, object: object)
        defer { file.close() }
        if let length { return try file.read(offset: offset, length: length) }
        var info = stat()
        guard fstat(file.descriptor, &info) == 0 else { throw error(path, errno) }
        return try file.read(offset: offset, length: max(0, Int(info.st_size) - offset))
    }

    /// An object opened for reading, for several reads with one open.
    struct OpenFile {
        let descriptor: Int32
        let path: String
        let object: ObjectName

        init(_ path: String, object: ObjectName) throws {
            descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                if errno == ENOENT { throw StorageError.notFound(object) }
                throw LocalFiles.error(path, errno)
            }
            self.path = path
            self.object = object
        }

        func close() { _ = Glibc.close(descriptor) }

        /// `length` bytes from `offset`; `shortRead` if the file ends first.
        func read(offset: Int, length wanted: Int) throws -> [UInt8] {
            // Filled by pread without zeroing first: objects are up to tens of MiB.
            var failure: Error?
            let bytes = [UInt8](unsafeUninitializedCapacity: wanted) { buffer, initialized in
                var done = 0
                while done < wanted {
                    let count = pread(descriptor, buffer.baseAddress! + done, wanted - done, off_t(offset + done))
                    if count < 0 {
                        if errno == EINTR { continue }
                        failure = LocalFiles.error(path, errno)
                        break
                    }
                    if count == 0 {
                        failure = StorageError.shortRead(object, expected: wanted, got: done)
                        break
                    }
                    done += count
                }
                // On failure the bytes are discarded; zero the rest so the array is fully initialised.
                if done < wanted { (buffer.baseAddress! + done).initialize(repeating: 0, count: wanted - done) }
                initialized = wanted
            }
            if let failure { throw failure }
            return bytes
        }
    }

    static func remove(_ path: String) throws {
        if unlink(path) != 0, errno != ENOENT { throw error(path, errno) }
    }
}
