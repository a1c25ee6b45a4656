import Foundation

/// What a child process writes to its standard error, kept so a failure can say what ssh
/// said ("Permission denied (publickey)", "Connection refused") instead of a bare EOF.
final class ChildDiagnostics: @unchecked Sendable {
    // @unchecked: `tail` and `ended` are touched only under `condition`.
    private let condition = NSCondition()
    private var tail: [UInt8] = []
    private var ended = false
    private static let kept = 4096

    /// Reads `descriptor` (and closes it at its end) on a thread of its own.
    init(reading descriptor: Int32) {
        Thread.detachNewThread { [self] in collect(from: descriptor) }
    }

    /// The last non-blank line written so far.
    var lastLine: String? {
        condition.withLock {
            String(decoding: tail, as: UTF8.self).split(whereSeparator: \.isNewline)
                .last { !$0.allSatisfy(\.isWhitespace) }
                .map { String($0.trimmingCharacters(in: .whitespaces)) }
        }
    }

    /// Waits until the child closes its standard error, at most `seconds`.
    func finish(within seconds: TimeInterval) {
        let deadline = Date().addingTimeInterval(seconds)
        condition.withLock {
            while !ended, condition.wait(until: deadline) {}
        }
    }

    private func collect(from descriptor: Int32) {
        var buffer = [UInt8](repeating: 0, count: 1024)
        while true {
            let got = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if got < 0, errno == EINTR { continue }
            guard got > 0 else { break }
            condition.withLock {
                tail.append(contentsOf: buffer[..<got])
                if tail.count > Self.kept { tail.removeFirst(tail.count - Self.kept) }
            }
        }
        close(descriptor)
        condition.withLock {
            ended = true
            condition.broadcast()
        }
    }
}
