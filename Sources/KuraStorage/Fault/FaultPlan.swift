import Foundation

/// The faults one process injects, with its operation counts: shared by every backend the
/// process opens (copy opens two), so `write:17` is the 17th write of the whole command.
public final class FaultPlan: @unchecked Sendable {
    public let spec: FaultSpec
    /// Where the counts are rewritten after each operation (`KURA_TEST_FAULT_COUNT`), so a
    /// clean run tells a test how many operations of each kind a command does.
    public let countFile: String?
    private let lock = NSLock()
    private var counts: [FaultSpec.Operation: Int] = [:]

    public init(spec: FaultSpec, countFile: String? = nil) {
        self.spec = spec
        self.countFile = countFile
    }

    /// The plan `KURA_TEST_FAULT` and `KURA_TEST_FAULT_COUNT` ask for: nil when neither is
    /// set, a `FaultSpecError` when the spec does not parse. Read once per process.
    public static let environment: Result<FaultPlan?, FaultSpecError> = {
        let variables = ProcessInfo.processInfo.environment
        let text = variables["KURA_TEST_FAULT"] ?? ""
        let countFile = variables["KURA_TEST_FAULT_COUNT"].flatMap { $0.isEmpty ? nil : $0 }
        guard !text.isEmpty || countFile != nil else { return .success(nil) }
        return Result { () throws(FaultSpecError) in FaultPlan(spec: try FaultSpec(parsing: text), countFile: countFile) }
    }()

    /// How many operations of each kind have started so far.
    public var operationCounts: [FaultSpec.Operation: Int] { lock.withLock { counts } }

    /// Counts one more `operation` and says which fault, if any, falls on it.
    func next(_ operation: FaultSpec.Operation) -> FaultSpec.Action? {
        let (ordinal, snapshot) = lock.withLock { () -> (Int, [FaultSpec.Operation: Int]) in
            counts[operation, default: 0] += 1
            return (counts[operation, default: 0], counts)
        }
        if let countFile { Self.write(snapshot, to: countFile) }
        if let trigger = spec.triggers.first(where: { $0.operation == operation && $0.ordinal == ordinal }) {
            return trigger.action
        }
        if let sample = spec.sample, sample.picks(operation, ordinal) { return sample.action }
        return nil
    }

    /// `{"delete":3,"write":12,…}`, every kind present.
    private static func write(_ counts: [FaultSpec.Operation: Int], to path: String) {
        let fields = FaultSpec.Operation.allCases.map { "\"\($0.rawValue)\":\(counts[$0, default: 0])" }
        try? Data(("{" + fields.joined(separator: ",") + "}\n").utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
