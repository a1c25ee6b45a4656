import KuraCrypto
import KuraRepository

/// Content-defined chunking in the style of FastCDC (Xia et al., 2016) with normalised
/// chunking: a gear rolling hash over each byte, a stricter mask before the average size and
/// a looser one after it, so sizes cluster around the average. The gear table comes from a
/// repository secret, so boundaries (and hence sizes) do not follow from the content alone.
public struct Chunker: Sendable {
    public let minimum: Int
    public let average: Int
    public let maximum: Int
    private let gear: [UInt64]
    private let strictMask: UInt64
    private let looseMask: UInt64

    /// - Parameters:
    ///   - seed: a 32-byte repository secret.
    ///   - minimum, average, maximum: sizes that `RepositoryConfig.ChunkerSettings.problem`
    ///     accepts (the repository refuses any other config when it opens).
    public init(seed: SecureBytes, minimum: Int, average: Int, maximum: Int) throws {
        let settings = RepositoryConfig.ChunkerSettings(minimum: minimum, average: average, maximum: maximum)
        if let problem = settings.problem { throw RepositoryError.badConfig(problem) }
        let table = try HKDF.deriveKey(inputKeyMaterial: seed, salt: [UInt8](), info: Array("kura/v1/gear-table".utf8),
                                       length: 256 * 8).copyBytes()
        gear = (0..<256).map { index in
            (0..<8).reduce(UInt64(0)) { $0 | UInt64(table[index * 8 + $1]) << UInt64(8 * $1) }
        }
        let bits = average.trailingZeroBitCount
        // Normalisation level 2: two more mask bits before the average, two fewer after.
        strictMask = ~UInt64(0) << UInt64(64 - (bits + 2))
        looseMask = ~UInt64(0) << UInt64(64 - (bits - 2))
        self.minimum = minimum
        self.average = average
        self.maximum = maximum
    }

    /// The length of the chunk that starts at the beginning of `data`. Pass at least
    /// `maximum` bytes unless the input ends within `data` (then the whole rest may be one chunk).
    public func boundary(in data: UnsafeRawBufferPointer) -> Int {
        let count = data.count
        if count <= minimum { return count }
        let end = min(count, maximum)
        let normal = min(average, end)
        var hash: UInt64 = 0
        var index = minimum
        let bytes = data.bindMemory(to: UInt8.self)
        return gear.withUnsafeBufferPointer { gear in
            while index < normal {
                hash = (hash << 1) &+ gear[Int(bytes[index])]
                if hash & strictMask == 0 { return index + 1 }
                index += 1
            }
            while index < end {
                hash = (hash << 1) &+ gear[Int(bytes[index])]
                if hash & looseMask == 0 { return index + 1 }
                index += 1
            }
            return end
        }
    }
}
