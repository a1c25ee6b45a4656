import Foundation

/// A program started with posix_spawn, its stdin, stdout and stderr on pipes that only it
/// and this process hold (close-on-exec from the moment they exist but for the instant between
/// pipe and fcntl).
///
/// Not Foundation's Process: its waitUntilExit may wait in wait4 for another of its children,
/// so a long-lived ssh started through it stalls every other command a test is waiting for;
/// and its pipes are inherited by every child started meanwhile, so a far side could be kept
/// from ever seeing the end of its input. Here every descriptor is close-on-exec and the child
/// is reaped by pid.
final class ChildProcess: @unchecked Sendable {
    // @unchecked: `status` is touched only under `lock`; the rest is fixed at init.
    private let lock = NSLock()
    private var status: Int32?
    let pid: pid_t
    /// This side's ends: the child's stdin (write), stdout (read), stderr (read).
    let input: Int32
    let output: Int32
    let errors: Int32

    enum Ending {
        case exited(Int32)
        case killed(Int32)
    }

    /// Why the program could not be started, in the system's words.
    struct SpawnFailure: Error {
        let reason: String
    }

    init(executable: String, arguments: [String]) throws(SpawnFailure) {
        var fds: [Int32] = []
        for _ in 0..<3 {
            var pair: [Int32] = [0, 0]
            guard pipe(&pair) == 0 else {
                fds.forEach { close($0) }
                throw SpawnFailure(reason: "cannot make a pipe: \(String(cString: strerror(errno)))")
            }
            for fd in pair { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            fds += pair
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fds[3], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[5], 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, nil, argv, environ)
        for index in [0, 3, 5] { close(fds[index]) }
        guard result == 0 else {
            for index in [1, 2, 4] { close(fds[index]) }
            throw SpawnFailure(reason: String(cString: strerror(result)))
        }
        pid = child
        input = fds[1]
        output = fds[2]
        errors = fds[4]
    }

    /// How it ended, or nil while it runs.
    var ending: Ending? {
        lock.withLock {
            if status == nil {
                var raw: Int32 = 0
                if waitpid(pid, &raw, WNOHANG) == pid { status = raw }
            }
            guard let raw = status else { return nil }
            let signal = raw & 0x7f
            return signal == 0 ? .exited((raw >> 8) & 0xff) : .killed(signal)
        }
    }

    /// Waits up to `seconds` for it to end.
    func waitForEnd(within seconds: TimeInterval) -> Ending? {
        let deadline = Date().addingTimeInterval(seconds)
        while ending == nil, Date() < deadline { usleep(10_000) }
        return ending
    }

    func terminate() {
        if ending == nil { kill(pid, SIGTERM) }
    }
}
