import Foundation

/// What a restored (or backed-up) tree holds, for byte-for-byte comparisons: every entry's
/// relative path and, for files, the SHA-256 of the content.
enum GenerationContents {
    static func of(_ root: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for (path, facts) in try TreeSnapshot.take(root) {
            result[String(decoding: path, as: UTF8.self)] = facts.content ?? "type \(facts.type)"
        }
        return result
    }
}

extension RepositoryScratch {
    /// Backs `path` up as `subject` with the clock set to `time` (RFC 3339).
    @discardableResult
    func backup(_ subject: String, _ path: String, at time: String) throws -> CommandResult {
        try kura(arguments: ["backup", "--subject", subject, path], environment: ["KURA_TEST_NOW": time])
    }

    /// The generations as `kura generations --json` lists them: name → ID.
    func generationNames(environment extra: [String: String] = [:]) throws -> [String: String] {
        let listed = try kura(arguments: ["generations", "--json"], environment: extra)
        let objects = (try? JSONSerialization.jsonObject(with: listed.stdout)) as? [[String: Any]] ?? []
        return Dictionary(objects.compactMap { object in
            (object["name"] as? String).flatMap { name in (object["id"] as? String).map { (name, $0) } }
        }) { first, _ in first }
    }

    /// Restores `generation` and returns the contents found at `source` inside the target.
    func restoredContents(_ generation: String, source: String, environment extra: [String: String] = [:]) throws -> [String: String]? {
        let target = path("restore-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(atPath: target) }
        let restored = try kura(arguments: ["restore", generation, "--target", target], environment: extra)
        guard restored.status == 0 else { return nil }
        return try GenerationContents.of(target + source)
    }

    /// Names and sizes of every object in a local repository folder.
    func objectListing(_ repository: String) throws -> [String: Int] {
        var listing: [String: Int] = [:]
        guard let walker = FileManager.default.enumerator(atPath: repository) else { return listing }
        for case let relative as String in walker {
            let attributes = try FileManager.default.attributesOfItem(atPath: repository + "/" + relative)
            if attributes[.type] as? FileAttributeType == .typeRegular {
                listing[relative] = (attributes[.size] as? Int) ?? 0
            }
        }
        return listing
    }
}

/// Parses a command's JSON standard output as an object.
func jsonObject(_ result: CommandResult) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: result.stdout)) as? [String: Any] ?? [:]
}
