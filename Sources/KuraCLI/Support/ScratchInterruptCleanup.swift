import Foundation
import KuraOperations

/// Removes a drill's scratch folder when the process is interrupted (SIGINT, SIGTERM,
/// SIGHUP), then exits 128+N.
///
/// The signal handler only writes the signal number to a pipe (async-signal-safe, and it works
/// whichever thread the kernel delivers the signal to); a dedicated thread reads the pipe and
/// removes the folder as ordinary code.
enum ScratchInterruptCleanup {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var current: String?
    nonisolated(unsafe) private static var installed = false
    nonisolated(unsafe) private static var signalPipe: [Int32] = [-1, -1]

    /// The folder to remove if a signal comes; nil once it is gone.
    static func watch(_ path: String?) {
        lock.withLock {
            current = path
            if !installed {
                installed = true
                install()
            }
        }
    }

    private static func install() {
        guard pipe(&signalPipe) == 0 else { return }
        let reader = Thread {
            var number: Int32 = 0
            while read(signalPipe[0], &number, MemoryLayout<Int32>.size) != MemoryLayout<Int32>.size {
                if errno != EINTR { return }
            }
            removeScratch()
            _exit(128 + number)
        }
        reader.start()
        for number in [SIGINT, SIGTERM, SIGHUP] {
            signal(number) { received in
                var value = received
                _ = write(ScratchInterruptCleanup.signalPipe[1], &value, MemoryLayout<Int32>.size)
            }
        }
    }

    private static func removeScratch() {
        guard let path = lock.withLock({ current }) else { return }
        // The restore may still be creating entries while they are removed.
        var attempts = 0
        while (try? ScratchSpace.remove(path)) == nil, attempts < 5 {
            attempts += 1
            usleep(20_000)
        }
        FileHandle.standardError.write(Data("kura: interrupted; removed the drill's scratch folder \(path)\n".utf8))
    }
}
