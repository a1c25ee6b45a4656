import Foundation
import Testing

/// Crash points, repeatably (docs/TESTING.md). Each command first runs cleanly under
/// `KURA_TEST_FAULT_COUNT` to learn how many writes and deletes it does; then, on a fresh copy
/// of the same small repository each time, it is killed (`kill-after=write:N`: SIGKILL once
/// the Nth write is stored) after every write and after every delete. Together these reach
/// every state the storage passes through. After each kill: `check --read-data` passes, every
/// generation that existed before restores byte for byte, and the command run again completes,
/// after which check passes again. A few `fail-before`/`fail-after` points (a thrown storage
/// error, as a server refusing or losing its answer) end in one line, a documented non-zero
/// exit code, and a repository as consistent as after a kill.
@Suite struct CrashPointTests {
    /// One command against copies of a prepared state: the folder `pristine` in the scratch,
    /// holding the repository `repo` (and, for copy, the destination `dest`).
    struct Scenario {
        let name: String
        let repo: RepositoryScratch
        /// The command, run against the state copied to `root`.
        let command: (String) -> [String]
        /// More environment for the command (test hooks such as re-encryption's step size).
        var commandEnvironment: [String: String] = [:]
        /// The environment that points kura at the repository the command changes.
        var target: (String) -> [String: String] = { ["KURA_REPOSITORY": $0 + "/repo"] }
        /// Generations that existed before the command and must always restore: name, the
        /// folder backed up, its contents then.
        let kept: [(name: String, source: String, contents: [String: String])]
        /// Runs the command again after a crash; by default, the command itself.
        var rerun: ((Scenario, String) throws -> CommandResult)?
        /// What must hold once the rerun has completed.
        var completed: (Scenario, String) throws -> Void = { _, _ in }

        var pristine: String { repo.path("pristine") }

        func run(_ arguments: [String], in root: String, _ extra: [String: String] = [:]) throws -> CommandResult {
            try repo.kura(arguments: arguments, environment: ["KURA_REPOSITORY": root + "/repo"].merging(extra) { $1 })
        }

        func onTarget(_ arguments: String..., in root: String) throws -> CommandResult {
            try repo.kura(arguments: arguments, environment: target(root))
        }

        /// A fresh copy of the pristine state.
        func fresh(_ label: String) throws -> String {
            let root = repo.path("point-\(label)")
            try? FileManager.default.removeItem(atPath: root)
            #expect(try repo.shell("cp -a '\(pristine)' '\(root)'").status == 0)
            return root
        }

        /// How many operations of each kind a clean run does.
        func counts() throws -> [String: Int] {
            let root = try fresh("count")
            defer { try? FileManager.default.removeItem(atPath: root) }
            let file = repo.path("counts.json")
            let clean = try run(command(root), in: root, commandEnvironment.merging(["KURA_TEST_FAULT_COUNT": file]) { $1 })
            #expect(clean.status == 0, "\(name) runs cleanly: \(clean.stderr)")
            try completed(self, root)
            return (try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file)))) as? [String: Int] ?? [:]
        }

        /// Runs the command under `spec` on a fresh copy and returns it with where it ran. A
        /// run still going after `limit` seconds is killed and reported as status -1 (a command
        /// waiting on its own lock would otherwise hang the suite for an hour).
        func faulted(_ spec: String, limit: TimeInterval = 30) throws -> (CommandResult, String) {
            let root = try fresh("fault")
            let stderr = repo.path("fault-stderr")
            let environment = repo.environment.merging(["KURA_REPOSITORY": root + "/repo", "KURA_TEST_FAULT": spec]) { $1 }
                .merging(commandEnvironment) { $1 }
            let process = try repo.scratch.start("/bin/sh", ["-c", "exec \"$0\" \"$@\" 2>'\(stderr)'", Tools.kura] + command(root),
                                                 environment: environment)
            let deadline = Date().addingTimeInterval(limit)
            while process.isRunning, Date() < deadline { usleep(5_000) }
            let hung = process.isRunning
            if hung { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            let message = String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: stderr))) ?? Data(), as: UTF8.self)
            let status = hung ? -1 : process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
            return (CommandResult(status: status, stdout: Data(), stderr: message), root)
        }

        /// After a crash or a failure at `spec`: the repository checks, what existed restores,
        /// and the command completes when run again.
        func expectConsistent(_ root: String, after spec: String) throws {
            let label = "\(name) \(spec)"
            let check = try onTarget("check", "--read-data", in: root)
            #expect(check.status == 0, "\(label): \(check.output) \(check.stderr)")
            for generation in kept {
                #expect(try repo.restoredContents(generation.name, source: generation.source, environment: target(root)) == generation.contents,
                        "\(label): \(generation.name) restores as it was")
            }
            let again = try rerun?(self, root) ?? run(command(root), in: root, commandEnvironment)
            #expect(again.status == 0, "\(label): the rerun completes: \(again.stderr)")
            let final = try onTarget("check", "--read-data", in: root)
            #expect(final.status == 0, "\(label), rerun: \(final.output) \(final.stderr)")
            try completed(self, root)
            try? FileManager.default.removeItem(atPath: root)
        }
    }

    /// Exit codes a trap or crash gives (128 + SIGILL, SIGTRAP, SIGABRT, SIGSEGV).
    static let traps: Set<Int32> = [132, 133, 134, 139]

    /// Kills before and after every write and every delete (up to `bound` of each), then at
    /// `sample` seeded picks (more of them when the command does more than `bound`), then
    /// fails at a few points; returns how many runs were killed.
    static func cover(_ scenario: Scenario, bound: Int = 40, sample: Int = 3) throws -> Int {
        let counts = try scenario.counts()
        let writes = counts["write"] ?? 0, deletes = counts["delete"] ?? 0
        var points: [String] = []
        for (kind, total) in [("write", writes), ("delete", deletes)] where total > 0 {
            for ordinal in 1...min(total, bound) { points += ["kill-before=\(kind):\(ordinal)", "kill-after=\(kind):\(ordinal)"] }
        }
        let seeds = writes > bound || deletes > bound ? 4 * sample : sample
        let probability = String(format: "%.3f", 2.0 / Double(max(1, writes + deletes)))
        points += (1...seeds).map { "seed=\($0),p=\(probability)" }
        var killed = 0, seeded = 0
        for spec in points {
            let (result, root) = try scenario.faulted(spec)
            if spec.hasPrefix("seed="), result.status == 0 {
                try? FileManager.default.removeItem(atPath: root)
                continue   // this seed picked no operation
            }
            #expect(result.status == 128 + SIGKILL, "\(scenario.name) \(spec) is reached: \(result.status) \(result.stderr)")
            killed += 1
            if spec.hasPrefix("seed=") { seeded += 1 }
            try scenario.expectConsistent(root, after: spec)
        }
        var failures = ["fail-before=write:2", "fail-after=write:\(max(2, writes / 2))", "fail-before=write:\(max(2, writes - 1))"]
        if deletes > 1 { failures += ["fail-before=delete:1", "fail-after=delete:\(deletes - 1)"] }
        for spec in failures {
            let (result, root) = try scenario.faulted(spec)
            let label = "\(scenario.name) \(spec)"
            #expect(result.status != -1, "\(label): still running after 30 s")
            #expect(!traps.contains(result.status), "\(label): \(result.status) \(result.stderr)")
            // A lock that cannot be removed once the work is done is left for the next command
            // to clear as stale; every other failure stops the command with its one error line.
            let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("kura: ") }
            if result.status != 0 || spec.contains("write") {
                #expect([1, 3, 11, 13].contains(result.status), "\(label): a documented exit code, got \(result.status)")
                #expect(errors.count == 1 && errors.first?.contains("injected by KURA_TEST_FAULT") == true,
                        "\(label): one error line, the injected one: \(result.stderr)")
            }
            try scenario.expectConsistent(root, after: spec)
        }
        print("crash points: \(scenario.name): \(killed) kills (\(writes) writes, \(deletes) deletes in a clean run, "
              + "each killed before and after; \(seeded) seeded), \(failures.count) failures")
        return killed
    }

    /// Three small files in `folder` (distinct per seed), and the contents they make.
    static func files(_ repo: RepositoryScratch, _ folder: String, seeds: [UInt64]) throws -> [String: String] {
        for (index, seed) in seeds.enumerated() {
            try repo.writeRandom("\(folder)/f\(index)", size: 150_000 + 50_000 * index, seed: seed)
        }
        return try GenerationContents.of(repo.path(folder))
    }

    /// Freezes the repository (and destination, if any) as the pristine state.
    static func freeze(_ repo: RepositoryScratch, _ folders: [String] = ["repo"]) throws {
        #expect(try repo.shell("mkdir '\(repo.path("pristine"))'").status == 0)
        for folder in folders {
            #expect(try repo.shell("cp -a '\(repo.path(folder))' '\(repo.path("pristine"))/'").status == 0)
        }
    }

    @Test func backup() throws {
        let repo = try RepositoryScratch()
        let first = try Self.files(repo, "data", seeds: [1, 3, 5])
        #expect(try repo.kura("backup", "--subject", "s", repo.path("data")).status == 0)
        let second = try Self.files(repo, "data", seeds: [7, 3, 9, 11])
        try Self.freeze(repo)
        let source = repo.path("data")
        let scenario = Scenario(name: "backup", repo: repo, command: { _ in ["backup", "--subject", "s", source] },
                                kept: [("s@1", source, first)],
                                completed: { scenario, root throws in
                                    #expect(try scenario.repo.restoredContents("s@latest", source: source, environment: scenario.target(root)) == second)
                                })
        #expect(try Self.cover(scenario) > 0)
    }

    @Test func pruneAfterForget() throws {
        let repo = try RepositoryScratch()
        let source = repo.path("data"), other = repo.path("other")
        _ = try Self.files(repo, "data", seeds: [1, 3, 5, 7])
        #expect(try repo.kura("backup", "--subject", "s", source).status == 0)
        _ = try Self.files(repo, "data", seeds: [9, 3, 5, 7])
        #expect(try repo.kura("backup", "--subject", "s", source).status == 0)
        let last = try Self.files(repo, "data", seeds: [11, 13, 5, 7])
        #expect(try repo.kura("backup", "--subject", "s", source).status == 0)
        let others = try Self.files(repo, "other", seeds: [15])
        #expect(try repo.kura("backup", "--subject", "t", other).status == 0)
        #expect(try repo.kura("forget", "--subject", "s", "--keep-last", "1").status == 0)
        try Self.freeze(repo)
        let scenario = Scenario(name: "prune", repo: repo, command: { _ in ["prune", "--max-unused", "0%"] },
                                kept: [("s@3", source, last), ("t@1", other, others)])
        #expect(try Self.cover(scenario) > 0)
    }

    @Test func rotateReencrypt() throws {
        let repo = try RepositoryScratch()
        let source = repo.path("data")
        let first = try Self.files(repo, "data", seeds: [1, 3, 5])
        #expect(try repo.kura("backup", "--subject", "s", source).status == 0)
        let second = try Self.files(repo, "data", seeds: [7, 9, 5])
        #expect(try repo.kura("backup", "--subject", "s", source).status == 0)
        try Self.freeze(repo)
        let scenario = Scenario(name: "key rotate --reencrypt", repo: repo, command: { _ in ["key", "rotate", "--reencrypt"] },
                                commandEnvironment: ["KURA_TEST_REENCRYPT_PACKS_PER_STEP": "1"],
                                kept: [("s@1", source, first), ("s@2", source, second)],
                                completed: { scenario, root throws in
                                    #expect(try scenario.onTarget("audit", "verify", in: root).status == 0)
                                })
        #expect(try Self.cover(scenario) > 0)
    }

    @Test func copyIntoASecondRepository() throws {
        let repo = try RepositoryScratch()
        let source = repo.path("data")
        let password = try repo.scratch.write("dest-password", "another password\n")
        let toDestination = ["KURA_REPOSITORY": repo.path("dest"), "KURA_PASSWORD_FILE": password]
        #expect(try repo.kura(arguments: ["init", "--kdf-iterations", "1", "--kdf-memory", "8"], environment: toDestination).status == 0)
        let first = try Self.files(repo, "data", seeds: [1, 3, 5])
        #expect(try repo.kura("backup", "--subject", "s", source).status == 0)
        func copy(_ root: String) -> [String] {
            ["copy", "--from", root + "/repo", "--to", root + "/dest", "--to-password-file", password]
        }
        #expect(try repo.kura(arguments: copy(repo.scratch.url.path)).status == 0)
        let second = try Self.files(repo, "data", seeds: [7, 3, 9])
        #expect(try repo.kura("backup", "--subject", "s", source).status == 0)
        try Self.freeze(repo, ["repo", "dest"])
        let scenario = Scenario(name: "copy", repo: repo, command: copy,
                                target: { ["KURA_REPOSITORY": $0 + "/dest", "KURA_PASSWORD_FILE": password] },
                                kept: [("s@1", source, first)],
                                completed: { scenario, root throws in
                                    #expect(try scenario.repo.restoredContents("s@2", source: source, environment: scenario.target(root)) == second)
                                })
        #expect(try Self.cover(scenario) > 0)
    }

    @Test func eraseSubject() throws {
        let repo = try RepositoryScratch()
        _ = try Self.files(repo, "a", seeds: [1, 3])
        try repo.writeRandom("a/shared", size: 200_000, seed: 21)
        #expect(try repo.kura("backup", "--subject", "a", repo.path("a")).status == 0)
        _ = try Self.files(repo, "a", seeds: [5, 7])
        #expect(try repo.kura("backup", "--subject", "a", repo.path("a")).status == 0)
        let b = try Self.files(repo, "b", seeds: [9])
        try repo.writeRandom("b/shared", size: 200_000, seed: 21)
        let bContents = try GenerationContents.of(repo.path("b"))
        #expect(b != bContents)
        #expect(try repo.kura("backup", "--subject", "b", repo.path("b")).status == 0)
        try Self.freeze(repo)
        let erase = ["erase", "--subject", "a", "--yes", "--json"]
        let scenario = Scenario(name: "erase --subject", repo: repo, command: { _ in erase },
                                kept: [("b@1", repo.path("b"), bContents)],
                                rerun: { scenario, root throws in
                                    // Once no generation of a is left, erase says to finish with prune.
                                    let again = try scenario.run(erase, in: root)
                                    guard again.status == 1, again.stderr.contains("prune --max-unused 0%") else { return again }
                                    return try scenario.run(["prune", "--max-unused", "0%"], in: root)
                                },
                                completed: { scenario, root throws in
                                    #expect(try scenario.repo.generationNames(environment: scenario.target(root)).keys.sorted() == ["b@1"])
                                })
        #expect(try Self.cover(scenario) > 0)
    }
}
