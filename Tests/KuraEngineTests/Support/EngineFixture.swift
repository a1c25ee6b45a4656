import Foundation
import KuraCrypto
import KuraEngine
import KuraRepository
import KuraStorage
import KuraTestSupport
import Testing

/// Repositories in memory, source trees of random bytes and restores to compare against
/// them: what the engine suites share.
enum EngineFixture {
    static let fast = Argon2idParameters(iterations: 1, memoryKiB: 8 * 1024)

    static func repository(_ backend: InMemoryBackend = InMemoryBackend()) async throws -> Repository {
        try await Repository.initialize(backend: backend, password: try SecureBytes(copying: Array("pw".utf8)),
                                        parameters: fast)
    }

    /// A folder with a few files of random bytes (incompressible, so sizes are predictable).
    static func tree(_ files: [String: Int]) throws -> String {
        let root = scratchFolder("tree")
        for (name, size) in files {
            let path = root + "/" + name
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try Data(SecureRandom.bytes(size)).write(to: URL(fileURLWithPath: path))
        }
        return root
    }

    static func scratchFolder(_ purpose: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("kura-engine-\(purpose)-\(UUID().uuidString)").path
    }

    /// A repository in memory holding one generation of a tree of `files`.
    struct BackedUp {
        let backend: InMemoryBackend
        let repository: Repository
        let tree: String
        let generation: StoredGeneration

        func remove() { try? FileManager.default.removeItem(atPath: tree) }
    }

    static func backedUp(_ files: [String: Int], subject: String = "s") async throws -> BackedUp {
        let backend = InMemoryBackend()
        let repository = try await repository(backend)
        let tree = try tree(files)
        do {
            return BackedUp(backend: backend, repository: repository, tree: tree,
                            generation: try await backup(repository, subject: subject, tree))
        } catch {
            try? FileManager.default.removeItem(atPath: tree)
            throw error
        }
    }

    /// Flips one bit of every stored object of `kind`, `fraction` of the way into it.
    static func flipBit(in backend: InMemoryBackend, _ kind: ObjectKind, at fraction: Double, mask: UInt8 = 0x01) {
        for name in backend.contents(of: kind).keys {
            backend.tamper(name) { bytes in
                var changed = bytes
                changed[Int(Double(bytes.count) * fraction)] ^= mask
                return changed
            }
        }
    }

    static func backup(_ repository: Repository, subject: String, _ path: String) async throws -> StoredGeneration {
        try await BackupRunner(repository: repository, options: BackupOptions(subject: subject, paths: [path])).run()
    }

    /// Forgets a generation as `kura forget` does: the audit entry first, so check accounts
    /// for the record that goes.
    static func forget(_ generation: StoredGeneration, in repository: Repository) async throws {
        let logged = String(generation.id.hex.prefix(AuditedRecords.forgottenIDLength))
        try await repository.appendAudit("forget", details: ["count": "1", "ids": logged])
        try await repository.delete(generation: generation.id)
    }

    /// Restores `generation` into a scratch folder and returns the files under `source` that
    /// differ from the restored copy or are missing from it (relative paths).
    static func filesDiffering(from source: String, restoring generation: StoredGeneration,
                               of repository: Repository) async throws -> [String] {
        let target = scratchFolder("restore")
        defer { try? FileManager.default.removeItem(atPath: target) }
        _ = try await Restorer(repository: repository, generation: generation, options: RestoreOptions(target: target)).run()
        var differing: [String] = []
        let files = FileManager.default.enumerator(atPath: source)?.compactMap { $0 as? String } ?? []
        for relative in files {
            let original = source + "/" + relative
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: original, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            if FileManager.default.contents(atPath: target + original) != FileManager.default.contents(atPath: original) {
                differing.append(relative)
            }
        }
        return differing
    }

    static func describe(_ problems: [CheckProblem]) -> String {
        problems.map { "\($0.object): \($0.reason) \($0.affected)" }.joined(separator: "; ")
    }
}
