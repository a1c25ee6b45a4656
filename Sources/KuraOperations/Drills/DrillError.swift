import Foundation

/// Why a drill could not run, written for the admin: what failed and what to do.
/// (What a drill finds, damage or a breached RTO, is its result, not an error.)
public enum DrillError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownSubject(String)
    case noGenerations(String)
    case nothingToDrill
    case generationNotFound(subject: String, number: Int)
    case badSample(String)
    case notEnoughScratch(root: String, needed: Int64, free: Int64)
    case notEnoughScratchInodes(root: String, needed: Int64, free: Int64)
    case scratchUnusable(root: String, reason: String)
    case scratchNotRemoved(path: String, reason: String)

    public var description: String {
        switch self {
        case .unknownSubject(let name):
            "no subject \(name) in the policy or the repository; list them with `kura generations`"
        case .noGenerations(let name): "subject \(name) has no generations to drill; back it up first"
        case .nothingToDrill: "the repository has no generations to drill; back something up first"
        case .generationNotFound(let subject, let number):
            "\(subject) has no generation \(number); list them with `kura generations --subject \(subject)`"
        case .badSample(let text): "the sample \(text) is not a percentage above 0% and at most 100% (e.g. 10%)"
        case .notEnoughScratch(let root, let needed, let free):
            "the scratch space \(root) has \(Self.size(free)) free but the drill needs \(Self.size(needed)); "
                + "free some space, lower --sample, or choose another folder with --scratch"
        case .notEnoughScratchInodes(let root, let needed, let free):
            "the scratch space \(root) has \(free) free inodes but the drill needs \(needed); choose another folder with --scratch"
        case .scratchUnusable(let root, let reason):
            "cannot use the scratch folder \(root): \(reason); choose another with --scratch"
        case .scratchNotRemoved(let path, let reason):
            "the drill's scratch folder \(path) could not be removed (\(reason)); remove it by hand"
        }
    }

    private static func size(_ bytes: Int64) -> String {
        var value = Double(bytes)
        for unit in ["B", "KiB", "MiB", "GiB", "TiB"] {
            if value < 1024 || unit == "TiB" { return unit == "B" ? "\(bytes) B" : String(format: "%.1f %@", value, unit) }
            value /= 1024
        }
        return "\(bytes) B"
    }
}
