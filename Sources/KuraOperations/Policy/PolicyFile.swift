import Foundation
import KuraCrypto
import TOMLKit

/// Reads and validates the policy file (TOML; docs/POLICY.md, docs/kura.example.toml).
public enum PolicyFile {
    /// Reads the policy at `path`; every problem in it is reported, each with its line.
    public static func load(path: String) throws(PolicyError) -> Policy {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw .notFound(path) }
        guard !isDirectory.boolValue else { throw .unreadable(path, "it is a directory, not a file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(path, "permission denied or an I/O error")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw .unreadable(path, "it is not UTF-8 text") }
        return try parse(text, file: path)
    }

    /// Parses policy text; `file` names it in messages and anchors relative paths.
    public static func parse(_ text: String, file: String) throws(PolicyError) -> Policy {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw .invalid([PolicyProblem(file: file, line: error.source.begin.line,
                                          message: "not valid TOML: \(error.description)")])
        } catch {
            throw .invalid([PolicyProblem(file: file, line: nil, message: "not valid TOML")])
        }
        var reader = PolicyReader(file: file, lines: TOMLLineMap(text))
        var policy = reader.read(table)
        policy.digest = SHA256.hash(Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
        guard reader.problems.isEmpty else {
            throw .invalid(reader.problems.sorted { ($0.line ?? 0) < ($1.line ?? 0) })
        }
        return policy
    }
}

/// One thing wrong with a policy file, with the line it is on.
public struct PolicyProblem: Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let message: String

    public var description: String {
        line.map { "\(file):\($0): \(message)" } ?? "\(file): \(message)"
    }
}

/// Why a policy file cannot be used.
public enum PolicyError: Error, Equatable, CustomStringConvertible {
    case notFound(String)
    case unreadable(String, String)
    case invalid([PolicyProblem])
    /// A command named a subject the policy does not have.
    case unknownSubject(String, file: String)
    /// A command named a repository the policy does not have.
    case unknownRepository(String, file: String)

    public var description: String {
        switch self {
        case .notFound(let path):
            "the policy file \(path) does not exist; create it (see docs/kura.example.toml) or name another with --config"
        case .unreadable(let path, let reason):
            "cannot read the policy file \(path): \(reason)"
        case .invalid(let problems):
            (problems.first.map(\.description) ?? "the policy file is invalid")
                + (problems.count > 1 ? " (and \(problems.count - 1) more problem(s); run kura policy check)" : "")
        case .unknownSubject(let name, let file):
            "the policy \(file) has no subject \(name); add [subject.\(name)] or check the name"
        case .unknownRepository(let name, let file):
            "the policy \(file) has no repository \(name); add [repository.\(name)] or check the name"
        }
    }
}
