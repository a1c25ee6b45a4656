import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Debian's sshd on 127.0.0.1 for one test: a port of its own, its own host key, its own
/// authorized_keys (forced commands included), running as the current user.
///
/// `sshCommand` is a `KURA_SSH` value (`ssh -F <client config>`) whose config names the host
/// alias `kura-test` (also matching `127.0.0.1`) with the port, a client key and a known_hosts
/// holding only this server's key, so host keys are really checked.
public final class OpenSSHServer: @unchecked Sendable {
    // @unchecked: `keys` is touched only under `lock`; the rest is fixed at init.
    public let directory: String
    public let port: Int
    public let user: String
    /// The KURA_SSH value for the key authorized without options.
    public private(set) var sshCommand = ""
    private let lock = NSLock()
    private var keys = 0

    public static let sshd = "/usr/sbin/sshd"
    public static let sftpServer = "/usr/lib/openssh/sftp-server"

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kura-sshd-\(UUID().uuidString)").path
        port = PortBases.shared.claim()
        user = String(cString: getpwuid(geteuid()).pointee.pw_name)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Self.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", "\(directory)/host_key"])
            let hostKey = try String(contentsOfFile: "\(directory)/host_key.pub", encoding: .utf8)
            try "kura-test \(hostKey)".write(toFile: "\(directory)/known_hosts", atomically: true, encoding: .utf8)
            try Data().write(to: URL(fileURLWithPath: "\(directory)/authorized_keys"))
            try serverConfig.write(toFile: "\(directory)/sshd_config", atomically: true, encoding: .utf8)
            sshCommand = try authorize(options: nil)
            try start()
        } catch {
            PortBases.shared.release(port)
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    deinit {
        stop(kill: true)
        PortBases.shared.release(port)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The ssh:// form of `path` on this server through the `kura-test` alias.
    public func url(scheme: String = "ssh", _ path: String) -> String { "\(scheme)://kura-test\(path)" }

    /// Adds a new client key with authorized_keys `options` (e.g. `command="…",restrict`) and
    /// returns a KURA_SSH value that logs in with that key.
    public func authorize(options: String?) throws -> String {
        let number = lock.withLock {
            keys += 1
            return keys
        }
        let key = "\(directory)/client_key_\(number)"
        try Self.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key])
        let publicKey = try String(contentsOfFile: key + ".pub", encoding: .utf8)
        let line = (options.map { $0 + " " } ?? "") + publicKey.trimmingCharacters(in: .whitespacesAndNewlines) + "\n"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(directory)/authorized_keys"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(line.utf8))
        try handle.close()
        let config = "\(directory)/ssh_config_\(number)"
        try clientConfig(key: key).write(toFile: config, atomically: true, encoding: .utf8)
        return "ssh -F \(config)"
    }

    /// Starts (or restarts) the server; it is listening when this returns.
    public func start() throws {
        // sshd running as root wants its privilege separation folder; elsewhere it is unused.
        try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        // Without -D sshd binds, detaches and closes every inherited descriptor, so no test's
        // pipe stays open in it; it writes its pid to sshd.pid.
        try Self.run(Self.sshd, ["-f", "\(directory)/sshd_config", "-E", "\(directory)/sshd.log"])
    }

    /// Stops the server and every connection it serves (SIGKILL with `kill`: a crash).
    public func stop(kill: Bool = false) {
        guard let text = try? String(contentsOfFile: "\(directory)/sshd.pid", encoding: .utf8),
              let master = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return }
        for process in [master] + Self.descendants(of: master) { Glibc.kill(process, kill ? SIGKILL : SIGTERM) }
        try? FileManager.default.removeItem(atPath: "\(directory)/sshd.pid")
    }

    /// What sshd logged (refused logins, forced commands' errors).
    public var log: String { (try? String(contentsOfFile: "\(directory)/sshd.log", encoding: .utf8)) ?? "" }

    private var serverConfig: String {
        """
        Port \(port)
        ListenAddress 127.0.0.1
        HostKey \(directory)/host_key
        PidFile \(directory)/sshd.pid
        AuthorizedKeysFile \(directory)/authorized_keys
        StrictModes no
        UsePAM no
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        PubkeyAuthentication yes
        PermitRootLogin prohibit-password
        PermitUserEnvironment no
        MaxStartups 100
        MaxSessions 100
        LogLevel INFO
        Subsystem sftp \(Self.sftpServer)

        """
    }

    private func clientConfig(key: String) -> String {
        """
        Host kura-test 127.0.0.1
          HostName 127.0.0.1
          Port \(port)
          User \(user)
          IdentityFile \(key)
          IdentitiesOnly yes
          IdentityAgent none
          HostKeyAlias kura-test
          UserKnownHostsFile \(directory)/known_hosts
          GlobalKnownHostsFile /dev/null
          StrictHostKeyChecking yes
          LogLevel ERROR

        """
    }

    private static func run(_ program: String, _ arguments: [String]) throws {
        // Its stderr goes to a file, not a pipe: a child another test starts meanwhile inherits
        // every open pipe, and reading a pipe to its end would then wait for that child too.
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("kura-ssh-run-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let errors = try FileHandle(forWritingTo: log)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        try? errors.close()
        let said = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(program) \(arguments.joined(separator: " ")) failed: \(said)")
        }
    }

    /// Every process below `root`, from /proc (sshd forks one child per connection and more
    /// below it; killing only the listener would leave connections up).
    private static func descendants(of root: Int32) -> [Int32] {
        var children: [Int32: [Int32]] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = Int32(fields[1]) { children[parent, default: []].append(pid) }
        }
        var found: [Int32] = []
        var queue = [root]
        while let next = queue.popLast() {
            let below = children[next] ?? []
            found += below
            queue += below
        }
        return found
    }
}
