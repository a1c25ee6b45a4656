import Foundation
import KuraOperations

/// Removes a drill's scratch folder when the process is interrupted (SIGINT, SIGTERM,
/// SIGHUP), then exits 128+N. The signals are taken by dispatch sources, so the removal runs
/// on an ordinary thread rather than in a signal handler.
enum ScratchInterruptCleanup {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var current: String?
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    /// The folder to remove if a signal comes; nil once it is gone.
    static func watch(_ path: String?) {
        lock.withLock {
            current = path
            if sources.isEmpty { install() }
        }
    }

    private static func install() {
        let queue = DispatchQueue(label: "kura.scratch-cleanup")
        for number in [SIGINT, SIGTERM, SIGHUP] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                if let path = lock.withLock({ current }) {
                    // The restore may still be creating entries while they are removed.
                    var attempts = 0
                    while (try? ScratchSpace.remove(path)) == nil, attempts < 5 {
                        attempts += 1
                        usleep(20_000)
                    }
                    FileHandle.standardError.write(Data("kura: interrupted; removed the drill's scratch folder \(path)\n".utf8))
                }
                _exit(128 + number)
            }
            source.resume()
            sources.append(source)
        }
    }
}
