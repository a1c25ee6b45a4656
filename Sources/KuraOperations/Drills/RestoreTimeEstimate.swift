import KuraEngine

/// The time a full restore of a generation would take, extrapolated from a drill that
/// restored a sample of its files. docs/DRILLS.md describes the model:
///
/// - What the drill did for every entry (walking the trees, directories, symlinks, metadata
///   of every file) is already full size and is not scaled.
/// - The time spent on contents is split into a per-file part and a per-byte part by fitting
///   `seconds = a + b × bytes` over the sampled files' own timings; the per-file part is
///   scaled by the ratio of files, the per-byte part by the ratio of bytes.
/// - When the fit is impossible (one file, or all of one size), the larger ratio is used.
public enum RestoreTimeEstimate {
    /// - Parameters:
    ///   - restoreSeconds: the drill's restore wall time.
    ///   - contentSeconds: the part of it spent on file contents.
    ///   - timings: per sampled file, its size and restore time.
    public static func fullSeconds(restoreSeconds: Double, contentSeconds: Double, timings: [FileTiming],
                                   sampledFiles: Int, sampledBytes: Int64, totalFiles: Int, totalBytes: Int64) -> Double {
        guard sampledFiles < totalFiles || sampledBytes < totalBytes else { return restoreSeconds }
        let content = min(max(0, contentSeconds), restoreSeconds)
        let fixed = restoreSeconds - content
        let fileRatio = Double(totalFiles) / Double(max(1, sampledFiles))
        let byteRatio = totalBytes == 0 ? 1 : Double(totalBytes) / Double(max(1, sampledBytes))
        guard let share = perFileShare(timings) else { return fixed + content * max(fileRatio, byteRatio) }
        return fixed + content * (share * fileRatio + (1 - share) * byteRatio)
    }

    /// The fraction of the sampled files' time that is per-file cost rather than per-byte,
    /// from a least-squares fit of `seconds = a + b × bytes` with a, b ≥ 0; nil when the sizes
    /// do not vary enough to tell the two apart.
    static func perFileShare(_ timings: [FileTiming]) -> Double? {
        guard timings.count >= 2 else { return nil }
        let n = Double(timings.count)
        let sizes = timings.map { Double($0.bytes) }
        let times = timings.map(\.seconds)
        let meanSize = sizes.reduce(0, +) / n
        let meanTime = times.reduce(0, +) / n
        let spread = sizes.reduce(0) { $0 + ($1 - meanSize) * ($1 - meanSize) }
        guard spread > 0 else { return nil }
        var perByte = zip(sizes, times).reduce(0) { $0 + ($1.0 - meanSize) * ($1.1 - meanTime) } / spread
        var perFile = meanTime - perByte * meanSize
        if perByte < 0 {
            perByte = 0
            perFile = meanTime
        } else if perFile < 0 {
            perFile = 0
            perByte = zip(sizes, times).reduce(0) { $0 + $1.0 * $1.1 } / sizes.reduce(0) { $0 + $1 * $1 }
        }
        let fileCost = perFile * n
        let byteCost = perByte * sizes.reduce(0, +)
        guard fileCost + byteCost > 0 else { return nil }
        return fileCost / (fileCost + byteCost)
    }
}
