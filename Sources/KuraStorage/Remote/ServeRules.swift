import Foundation

/// What one `kura serve` allows, as its command line (an authorized_keys forced command) says:
/// whether it only adds, and the folders a repository must be in.
public struct ServeRules: Sendable, Equatable {
    /// Deletes and replacements refused, but for lock objects (docs/SERVE.md says why).
    public var appendOnly: Bool
    /// `--restrict-to` folders; empty means any folder the login can reach.
    public var restrictedTo: [String]

    public init(appendOnly: Bool = false, restrictedTo: [String] = []) {
        self.appendOnly = appendOnly
        self.restrictedTo = restrictedTo
    }

    /// The repository folder the client's hello names, made absolute from `start` (the login
    /// folder) with every symlink resolved, so that neither `..` nor a link leads out of a
    /// `--restrict-to` folder. Throws `badRequest` for a path with `..`, `pathNotAllowed` for
    /// one outside every allowed folder.
    func resolve(_ requested: String, from start: String) throws(ServeFailure) -> String {
        let parts = requested.split(separator: "/", omittingEmptySubsequences: true)
        // A NUL would cut the path short in every system call after this check.
        guard !requested.isEmpty, !parts.contains(".."), !requested.utf8.contains(0) else {
            throw ServeFailure(.badRequest, reason: "a repository path may not be empty or hold '..'; name the folder itself")
        }
        let absolute = requested.hasPrefix("/") ? requested : start + "/" + requested
        let resolved = Self.resolvingLinks(absolute)
        guard !restrictedTo.isEmpty else { return resolved }
        let allowed = restrictedTo.map { Self.resolvingLinks($0.hasPrefix("/") ? $0 : start + "/" + $0) }
        guard allowed.contains(where: { resolved == $0 || resolved.hasPrefix($0 == "/" ? "/" : $0 + "/") }) else {
            throw ServeFailure(.pathNotAllowed, subject: restrictedTo.joined(separator: "\n"))
        }
        return resolved
    }

    /// `path` with `.` dropped and every symlink of its longest existing prefix resolved; the
    /// parts that do not exist yet (a repository about to be created) follow as they are.
    static func resolvingLinks(_ path: String) -> String {
        var existing = path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }.map(String.init)
        var missing: [String] = []
        while true {
            let candidate = "/" + existing.joined(separator: "/")
            if let real = realpath(candidate, nil) {
                defer { free(real) }
                let base = String(cString: real)
                guard !missing.isEmpty else { return base }
                return (base == "/" ? "" : base) + "/" + missing.reversed().joined(separator: "/")
            }
            guard let last = existing.popLast() else { return "/" + missing.reversed().joined(separator: "/") }
            missing.append(last)
        }
    }
}
