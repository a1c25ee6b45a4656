import ArgumentParser
import Foundation
import KuraOperations

/// `--config`: which policy file applies. The first of --config, KURA_CONFIG,
/// /etc/kura/kura.toml and ~/.config/kura/kura.toml (XDG_CONFIG_HOME) is used.
struct PolicyOptions: ParsableArguments {
    @Option(name: .customLong("config"),
            help: "The policy file (else KURA_CONFIG, /etc/kura/kura.toml, ~/.config/kura/kura.toml).")
    var config: String?

    /// The policy file in effect, and whether it was named (a named file must exist).
    var file: (path: String, named: Bool)? {
        if let config, !config.isEmpty { return (config, true) }
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["KURA_CONFIG"], !path.isEmpty { return (path, true) }
        let configHome = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.config"
        for path in ["/etc/kura/kura.toml", configHome + "/kura/kura.toml"] where FileManager.default.fileExists(atPath: path) {
            return (path, false)
        }
        return nil
    }

    /// The policy, or nil when there is no policy file.
    func load() throws -> Policy? {
        guard let file else { return nil }
        return try PolicyFile.load(path: file.path)
    }

    /// The policy, for commands that cannot work without one.
    func require() throws -> Policy {
        guard let policy = try load() else {
            throw CommandFailure(message: "no policy file: name one with --config FILE or KURA_CONFIG, or create "
                                 + "/etc/kura/kura.toml (see docs/kura.example.toml)")
        }
        return policy
    }
}
