import Foundation

/// Glob patterns (fnmatch) for --exclude and --include: a pattern without "/" matches an
/// entry's name anywhere ("*.tmp"); a pattern with "/" matches the whole absolute path
/// ("/home/*/.cache").
struct GlobMatcher: Sendable {
    let patterns: [String]

    func matches(path: String, name: String) -> Bool {
        patterns.contains { pattern in
            pattern.contains("/") ? fnmatch(pattern, path, FNM_PATHNAME) == 0 : fnmatch(pattern, name, 0) == 0
        }
    }
}
