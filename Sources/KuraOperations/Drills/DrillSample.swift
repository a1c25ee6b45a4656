import Foundation

/// The files a drill restores with their contents: whole files in a random order (seeded, so
/// a drill can be repeated) until both the bytes and the number of files reach the asked
/// fraction of the generation's; at least one file. Hard-linked names are one file.
/// docs/DRILLS.md explains why the file count matters as well as the bytes.
public struct DrillSample: Sendable, Equatable {
    /// A file, or the names of one hard-linked file, and its size.
    public struct Unit: Sendable, Equatable {
        /// The generation path, or the node's hard-link key for hard-linked files.
        public var key: String
        public var bytes: Int64

        public init(key: String, bytes: Int64) {
            self.key = key
            self.bytes = bytes
        }
    }

    public let seed: UInt64
    public let fraction: Double
    /// The chosen units' keys.
    public let keys: Set<String>
    public let files: Int
    public let bytes: Int64
    public let totalFiles: Int
    public let totalBytes: Int64

    /// Whether every file is in the sample.
    public var isComplete: Bool { files == totalFiles }

    /// Chooses from `units` (in any order: they are sorted by key first, so the same seed
    /// gives the same sample however the tree was walked).
    public static func choose(from units: [Unit], fraction: Double, seed: UInt64) -> DrillSample {
        var order = units.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        let totalBytes = order.reduce(Int64(0)) { $0 + $1.bytes }
        var generator = SplitMix64(seed: seed)
        // Fisher–Yates with our own generator: the order must not change between Swift versions.
        if order.count > 1 {
            for index in stride(from: order.count - 1, to: 0, by: -1) {
                let other = Int(generator.next() % UInt64(index + 1))
                order.swapAt(index, other)
            }
        }
        let wantedBytes = fraction >= 1 ? totalBytes : Int64((fraction * Double(totalBytes)).rounded(.up))
        let wantedFiles = fraction >= 1 ? order.count : max(1, Int((fraction * Double(order.count)).rounded(.up)))
        var keys: Set<String> = []
        var bytes: Int64 = 0
        for unit in order where bytes < wantedBytes || keys.count < wantedFiles {
            keys.insert(unit.key)
            bytes += unit.bytes
        }
        return DrillSample(seed: seed, fraction: fraction, keys: keys, files: keys.count, bytes: bytes,
                           totalFiles: order.count, totalBytes: totalBytes)
    }

    /// A fresh seed, small enough to survive any JSON reader (below 2^53).
    public static func randomSeed() -> UInt64 { UInt64.random(in: 0..<(1 << 53)) }
}

/// SplitMix64 (Steele, Lea and Flood): a tiny, fixed, well-mixed generator for the sample.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension DrillSample {
    /// "10%" or "10" → 0.1; nil unless above 0 and at most 100 percent.
    public static func fraction(fromPercent text: String) -> Double? {
        var number = text.trimmingCharacters(in: .whitespaces)
        if number.hasSuffix("%") { number.removeLast() }
        guard let percent = Double(number), percent.isFinite, percent > 0, percent <= 100 else { return nil }
        return percent / 100
    }
}
