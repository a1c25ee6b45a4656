import Foundation
import KuraOperations

/// Removes a drill's scratch folder when the process is interrupted (SIGINT, SIGTERM,
/// SIGHUP), then exits 128+N.
///
/// The signal handler only notes the signal and writes it to a pipe (async-signal-safe, and
/// it works whichever thread the kernel delivers the signal to); a dedicated thread reads the
/// pipe and removes the folder as ordinary code. That thread unblocks the signals for itself,
/// so they arrive even when kura was started with them blocked. A command that finishes while
/// the thread has not yet run calls `settle()`, which does the same, so an interrupted drill
/// never exits 0.
enum ScratchInterruptCleanup {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var current: String?
    nonisolated(unsafe) private static var installed = false
    nonisolated(unsafe) private static var finished = false
    nonisolated(unsafe) private static var signalPipe: [Int32] = [-1, -1]
    nonisolated(unsafe) private static var received: Int32 = 0

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

    /// Called when a command is about to exit normally: if a signal came meanwhile, cleans up
    /// and exits 128+N instead.
    static func settle() {
        if received != 0 { cleanUpAndExit(received) }
    }

    private static func install() {
        guard pipe(&signalPipe) == 0 else { return }
        let reader = Thread {
            var wanted = sigset_t()
            sigemptyset(&wanted)
            for number in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&wanted, number) }
            pthread_sigmask(SIG_UNBLOCK, &wanted, nil)
            var number: Int32 = 0
            while read(signalPipe[0], &number, MemoryLayout<Int32>.size) != MemoryLayout<Int32>.size {
                if errno != EINTR { return }
            }
            cleanUpAndExit(number)
        }
        reader.start()
        for number in [SIGINT, SIGTERM, SIGHUP] {
            signal(number) { number in
                ScratchInterruptCleanup.received = number
                var value = number
                _ = write(ScratchInterruptCleanup.signalPipe[1], &value, MemoryLayout<Int32>.size)
            }
        }
    }

    private static func cleanUpAndExit(_ number: Int32) -> Never {
        lock.lock()  // held until _exit: whoever comes second waits here and never runs this twice
        if !finished, let path = current {
            finished = true
            // The restore may still be creating entries while they are removed.
            var attempts = 0
            while (try? ScratchSpace.remove(path)) == nil, attempts < 5 {
                attempts += 1
                usleep(20_000)
            }
            Output.error("kura: interrupted; removed the drill's scratch folder \(path)")
        }
        _exit(128 + number)
    }
}
