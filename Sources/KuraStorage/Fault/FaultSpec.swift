import Foundation

/// What `KURA_TEST_FAULT` asks the fault-injecting backend to do: at given operations, kill
/// the process or throw a storage error, before or after the operation runs. A test hook
/// (docs/TESTING.md), never set in production.
///
/// The text is comma-separated clauses:
/// - `ACTION=KIND:N`, with ACTION `kill-before`, `kill-after`, `fail-before` or `fail-after`,
///   KIND `write`, `read`, `delete`, `list` or `stat`, and N ≥ 1 counting that kind's
///   operations in the whole process (`kill-after=write:17`: SIGKILL once the 17th write is
///   stored; `fail-before=delete:3`: the 3rd delete throws instead of running);
/// - `seed=S,p=P`, optionally with `fault=ACTION` (default `kill-after`) and
///   `kinds=write+delete` (the default): each operation of those kinds is picked with
///   probability P, decided by S and the operation's kind and number alone, so a seed picks
///   the same operations on every run.
public struct FaultSpec: Equatable, Sendable {
    /// One counted operation of the backend.
    public enum Operation: String, CaseIterable, Sendable {
        case write, read, delete, list, stat
    }

    /// What happens at a picked operation. `before` faults happen instead of the operation;
    /// `after` faults once it has run (a `fail-after` write is stored, but its caller sees an
    /// error, as when a server's answer is lost).
    public enum Action: String, CaseIterable, Sendable {
        case killBefore = "kill-before"
        case killAfter = "kill-after"
        case failBefore = "fail-before"
        case failAfter = "fail-after"

        var isBefore: Bool { self == .killBefore || self == .failBefore }
    }

    /// The `ACTION=KIND:N` clauses.
    public struct Trigger: Equatable, Sendable {
        public let action: Action
        public let operation: Operation
        public let ordinal: Int

        public init(action: Action, operation: Operation, ordinal: Int) {
            self.action = action
            self.operation = operation
            self.ordinal = ordinal
        }
    }

    /// The `seed=S,p=P` clauses.
    public struct Sample: Equatable, Sendable {
        public let seed: UInt64
        public let probability: Double
        public let action: Action
        public let operations: Set<Operation>

        /// Whether the `ordinal`th operation of `operation` is picked.
        func picks(_ operation: Operation, _ ordinal: Int) -> Bool {
            guard operations.contains(operation) else { return false }
            let kind = UInt64(Operation.allCases.firstIndex(of: operation) ?? 0)
            let mixed = Self.splitMix(seed ^ Self.splitMix(kind << 56 ^ UInt64(ordinal)))
            return Double(mixed >> 11) / Double(1 << 53) < probability
        }

        static func splitMix(_ value: UInt64) -> UInt64 {
            var z = value &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    public let triggers: [Trigger]
    public let sample: Sample?

    /// Parses `text`; an empty text asks for nothing (counting only).
    public init(parsing text: String) throws(FaultSpecError) {
        var triggers: [Trigger] = []
        var settings: [String: String] = [:]
        for clause in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !clause.isEmpty {
            let parts = clause.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw .badClause(clause) }
            if let action = Action(rawValue: parts[0]) {
                let target = parts[1].split(separator: ":").map(String.init)
                guard target.count == 2, let operation = Operation(rawValue: target[0]),
                      let ordinal = Int(target[1]), ordinal >= 1 else { throw .badClause(clause) }
                triggers.append(Trigger(action: action, operation: operation, ordinal: ordinal))
            } else if ["seed", "p", "fault", "kinds"].contains(parts[0]), settings[parts[0]] == nil {
                settings[parts[0]] = parts[1]
            } else {
                throw .badClause(clause)
            }
        }
        self.triggers = triggers
        sample = try Self.parseSample(settings)
    }

    private static func parseSample(_ settings: [String: String]) throws(FaultSpecError) -> Sample? {
        guard !settings.isEmpty else { return nil }
        guard let seed = settings["seed"].flatMap({ UInt64($0) }),
              let probability = settings["p"].flatMap({ Double($0) }), probability >= 0, probability <= 1 else {
            throw .badSample
        }
        guard let action = Action(rawValue: settings["fault"] ?? Action.killAfter.rawValue) else { throw .badSample }
        var operations: Set<Operation> = []
        for name in (settings["kinds"] ?? "write+delete").split(separator: "+") {
            guard let operation = Operation(rawValue: String(name)) else { throw .badSample }
            operations.insert(operation)
        }
        return Sample(seed: seed, probability: probability, action: action, operations: operations)
    }
}

/// A `KURA_TEST_FAULT` that does not parse.
public enum FaultSpecError: Error, Equatable, Sendable, CustomStringConvertible {
    case badClause(String)
    /// `seed=`, `p=`, `fault=` or `kinds=` is missing or out of range.
    case badSample

    public var description: String {
        switch self {
        case .badClause(let clause):
            "KURA_TEST_FAULT: \"\(clause)\" is not ACTION=KIND:N (e.g. kill-after=write:17) or seed=S,p=P; see docs/TESTING.md"
        case .badSample:
            "KURA_TEST_FAULT: a seeded fault needs seed=INTEGER and p=0…1 (optionally fault=ACTION, kinds=write+delete); see docs/TESTING.md"
        }
    }
}
