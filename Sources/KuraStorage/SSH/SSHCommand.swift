import Foundation

/// The system ssh, so ~/.ssh/config, agents, known_hosts and ProxyJump all apply. `KURA_SSH`
/// replaces the program and its leading options (words split on blanks, as borg's BORG_RSH),
/// e.g. `KURA_SSH="ssh -F /etc/kura/ssh_config"`. Every connection runs in batch mode: a
/// command never stops to ask for a password or a host key.
public struct SSHCommand: Sendable, Equatable {
    /// The program and the options before the destination.
    public var words: [String]

    public init(words: [String]) {
        self.words = words
    }

    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> SSHCommand {
        let words = (environment["KURA_SSH"] ?? "").split(whereSeparator: \.isWhitespace).map(String.init)
        return SSHCommand(words: words.isEmpty ? ["ssh"] : words)
    }

    /// argv that runs `remote` (already split in words) on the address's host. ssh hands the
    /// remote side one string, so each word is quoted for the remote shell.
    public func arguments(to address: SSHAddress, running remote: [String]) -> [String] {
        connection(to: address) + ["--", address.destination] + remote.map(Self.quotedForShell)
    }

    /// argv that starts an ssh subsystem ("sftp") on the address's host.
    public func arguments(to address: SSHAddress, subsystem: String) -> [String] {
        connection(to: address) + ["-s", "--", address.destination, subsystem]
    }

    private func connection(to address: SSHAddress) -> [String] {
        words + ["-o", "BatchMode=yes", "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=4", "-T"]
            + (address.port.map { ["-p", String($0)] } ?? [])
    }

    /// `word` as a POSIX shell reads it back: plain when it holds only safe characters, else in
    /// single quotes.
    static func quotedForShell(_ word: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
        if !word.isEmpty, word.allSatisfy(safe.contains) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
