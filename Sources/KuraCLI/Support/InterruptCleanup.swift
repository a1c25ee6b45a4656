import Foundation
import KuraOperations
import KuraRepository

/// What kura undoes when it is interrupted (SIGINT, SIGTERM, SIGHUP) before exiting 128+N:
/// an output file's temporary file, a drill's scratch folder, every repository lock it holds.
/// Each is registered while it matters and unregistered once it does not; the one mechanism
/// for every command.
///
/// The signal handler only notes the signal and writes it to a pipe (async-signal-safe, and
/// it works whichever thread the kernel delivers the signal to); a dedicated thread reads the
/// pipe and runs the cleanups, newest first, as ordinary code. That thread unblocks the
/// signals for itself, so they arrive even when kura was started with them blocked. A command
/// that finishes while the thread has not yet run calls `settle()`, which does the same, so an
/// interrupted command never exits 0.
enum InterruptCleanup {
    // `actions`, `nextToken`, `scratchToken` and `installed` are used only under `lock`.
    // `signalPipe` is written once, before any handler is installed, and only read after.
    // `received` is a word the handler stores and `settle()` reads: the handler cannot take
    // a lock, and a stale read only delays the exit to the reader thread's.
    private static let lock = NSLock()
    nonisolated(unsafe) private static var actions: [(token: Int, run: () -> Void)] = []
    nonisolated(unsafe) private static var nextToken = 0
    nonisolated(unsafe) private static var scratchToken: Int?
    nonisolated(unsafe) private static var installed = false
    nonisolated(unsafe) private static var signalPipe: [Int32] = [-1, -1]
    nonisolated(unsafe) private static var received: Int32 = 0

    /// Runs `action` if a signal comes before `unregister(token)`.
    @discardableResult
    static func register(_ action: @escaping () -> Void) -> Int {
        lock.withLock {
            if !installed {
                installed = true
                install()
            }
            nextToken += 1
            actions.append((nextToken, action))
            return nextToken
        }
    }

    static func unregister(_ token: Int) {
        lock.withLock { actions.removeAll { $0.token == token } }
    }

    /// Once the process takes its first repository lock, a signal removes every lock it still
    /// holds (a command with its own message, as backup, has removed its lock by then).
    static func removeLocksOnInterrupt() {
        HeldLocks.shared.whenFirstTaken {
            register {
                let (removed, failed) = HeldLocks.shared.releaseAllBlocking(seconds: 10)
                if failed > 0 {
                    Output.error("kura: interrupted; \(failed) repository lock(s) could not be removed "
                                 + "(kura unlock clears them once this process is gone)")
                } else if removed > 0 {
                    Output.error("kura: interrupted; the repository lock was removed")
                }
            }
        }
    }

    /// The drill's scratch folder to remove if a signal comes; nil once it is gone.
    static func watchScratch(_ path: String?) {
        if let token = lock.withLock({ scratchToken }) { unregister(token) }
        guard let path else { return }
        let token = register {
            // The restore may still be creating entries while they are removed.
            var attempts = 0
            while (try? ScratchSpace.remove(path)) == nil, attempts < 5 {
                attempts += 1
                usleep(20_000)
            }
            Output.error("kura: interrupted; removed the drill's scratch folder \(path)")
        }
        lock.withLock { scratchToken = token }
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
                InterruptCleanup.received = number
                var value = number
                _ = write(InterruptCleanup.signalPipe[1], &value, MemoryLayout<Int32>.size)
            }
        }
    }

    private static func cleanUpAndExit(_ number: Int32) -> Never {
        lock.lock()  // held until _exit: whoever comes second waits here and never runs this twice
        for action in actions.reversed() { action.run() }
        actions = []
        _exit(128 + number)
    }
}
