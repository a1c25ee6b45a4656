/// Where a repository reached over SSH lives: an ssh destination and a path on that host.
public struct SSHAddress: Equatable, Sendable, CustomStringConvertible {
    public var user: String?
    /// A name ssh resolves (an alias from ~/.ssh/config works), or an IP address without brackets.
    public var host: String
    public var port: Int?
    /// The path on the host; relative paths are relative to the login folder.
    public var path: String

    public init(user: String?, host: String, port: Int?, path: String) {
        self.user = user
        self.host = host
        self.port = port
        self.path = path
    }

    /// `[user@]host` as ssh takes it on its command line.
    public var destination: String { (user.map { $0 + "@" } ?? "") + host }

    public var description: String {
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return (user.map { $0 + "@" } ?? "") + bracketed + (port.map { ":\($0)" } ?? "") + ":" + path
    }

    /// `[user@]host[:port]/path`, the part of `scheme://…` after the `//`. The path keeps its
    /// leading '/'; borg's `/./relative` and `/~/relative` name folders under the login folder.
    init(url text: String, afterScheme rest: Substring) throws(RepositoryLocationError) {
        guard let slash = Self.pathStart(in: rest) else { throw .malformed(text, reason: "no /PATH after the host") }
        let (user, hostPort) = try Self.splitUser(rest[..<slash], in: text)
        let (host, port) = try Self.splitPort(hostPort, in: text)
        var path = String(rest[slash...])
        if path.hasPrefix("/./") || path.hasPrefix("/~/") { path = String(path.dropFirst(3)) }
        guard !path.isEmpty, path != "/" else { throw .malformed(text, reason: "no folder after the host") }
        self.init(user: user, host: host, port: port, path: path)
    }

    /// restic's `[user@]host:path` (no port; use the URL form or ~/.ssh/config for one).
    init(scpStyle text: String, afterScheme rest: Substring) throws(RepositoryLocationError) {
        var remainder = rest
        var user: String?
        if let at = rest.firstIndex(of: "@"), !rest[..<at].contains(":") {
            user = try Self.splitUser(rest[...at], in: text).0
            remainder = rest[rest.index(after: at)...]
        }
        let host: Substring
        let afterHost: Substring
        if remainder.hasPrefix("[") {
            guard let close = remainder.firstIndex(of: "]") else { throw .malformed(text, reason: "an unclosed [ in the host") }
            host = remainder[remainder.index(after: remainder.startIndex)..<close]
            afterHost = remainder[remainder.index(after: close)...]
        } else {
            let colon = remainder.firstIndex(of: ":") ?? remainder.endIndex
            host = remainder[..<colon]
            afterHost = remainder[colon...]
        }
        guard afterHost.hasPrefix(":"), afterHost.count > 1 else {
            throw .malformed(text, reason: "no :PATH after the host (sftp:[USER@]HOST:/PATH)")
        }
        guard Self.isHost(host) else { throw .malformed(text, reason: "no valid host name") }
        self.init(user: user, host: String(host), port: nil, path: String(afterHost.dropFirst()))
    }

    private static func pathStart(in rest: Substring) -> Substring.Index? {
        var inBrackets = false
        for index in rest.indices {
            switch rest[index] {
            case "[": inBrackets = true
            case "]": inBrackets = false
            case "/" where !inBrackets: return index
            default: continue
            }
        }
        return nil
    }

    /// Splits `user@` off the front of `head`.
    private static func splitUser(_ head: Substring, in text: String) throws(RepositoryLocationError) -> (String?, Substring) {
        guard let at = head.lastIndex(of: "@") else { return (nil, head) }
        let user = head[..<at]
        guard !user.isEmpty, !user.contains(where: { $0 == "/" || $0 == ":" || $0.isWhitespace }) else {
            throw .malformed(text, reason: "no valid user name before @")
        }
        return (String(user), head[head.index(after: at)...])
    }

    private static func splitPort(_ hostPort: Substring, in text: String) throws(RepositoryLocationError) -> (String, Int?) {
        var host = hostPort
        var portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw .malformed(text, reason: "an unclosed [ in the host") }
            host = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .malformed(text, reason: "text after ] that is not :PORT") }
                portText = after.dropFirst()
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = hostPort[..<colon]
            portText = hostPort[hostPort.index(after: colon)...]
        }
        guard isHost(host) else { throw .malformed(text, reason: "no valid host name") }
        guard let portText else { return (String(host), nil) }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw .malformed(text, reason: "the port \"\(portText)\" is not a number from 1 to 65535")
        }
        return (String(host), port)
    }

    /// A host ssh may be given: no blanks, no '/', and not an option (leading '-').
    private static func isHost(_ host: Substring) -> Bool {
        !host.isEmpty && !host.hasPrefix("-") && !host.contains { $0.isWhitespace || $0 == "/" || $0 == "@" }
    }
}
