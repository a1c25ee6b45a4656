import Foundation

/// Keeps two `kura run` for the same policy file from working at once: an advisory lock
/// (flock) on a file named after the policy's path, released by the kernel however the
/// process ends, so a killed run never leaves a stale lock behind.
public final class RunLock {
    private let descriptor: Int32
    public let path: String

    /// What holds the lock when it is taken: the process ID the holder wrote into the file.
    public enum Failure: Error, CustomStringConvertible {
        case held(path: String, holder: String)
        case cannotCreate(path: String, reason: String)

        public var description: String {
            switch self {
            case .held(let path, let holder):
                "another kura run (\(holder)) is still working on this policy (lock \(path)); this run does nothing"
            case .cannotCreate(let path, let reason):
                "cannot create the run lock \(path): \(reason); check that its folder is writable"
            }
        }
    }

    /// Takes the lock for `policyFile` without waiting.
    public init(policyFile: String, folder: String = RunLock.defaultFolder) throws(Failure) {
        let absolute = URL(fileURLWithPath: policyFile).standardizedFileURL.path
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in absolute.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        path = folder + "/run-" + String(hash, radix: 16) + ".lock"
        mkdir(folder, 0o700)
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .cannotCreate(path: path, reason: String(cString: strerror(errno))) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            var buffer = [UInt8](repeating: 0, count: 128)
            let count = pread(descriptor, &buffer, buffer.count, 0)
            let holder = count > 0 ? String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : "unknown"
            close(descriptor)
            throw .held(path: path, holder: holder)
        }
        let note = Array("pid \(getpid()) since \(ISO8601DateFormatter().string(from: Date()))\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pwrite(descriptor, note, note.count, 0)
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    /// /run/lock/kura for root, else $XDG_RUNTIME_DIR/kura, else /tmp/kura-UID.
    public static var defaultFolder: String {
        var info = stat()
        if geteuid() == 0, stat("/run/lock", &info) == 0, info.st_mode & S_IFMT == S_IFDIR { return "/run/lock/kura" }
        if let runtime = ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"], !runtime.isEmpty { return runtime + "/kura" }
        return "/tmp/kura-\(geteuid())"
    }
}
