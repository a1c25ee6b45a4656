import Foundation

/// Finds a program as a shell would: a name with a '/' as given, otherwise the first
/// executable of that name on PATH.
public enum ExecutableSearch {
    public static func locate(_ program: String,
                              path: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        if program.contains("/") { return FileManager.default.isExecutableFile(atPath: program) ? program : nil }
        for directory in (path ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
