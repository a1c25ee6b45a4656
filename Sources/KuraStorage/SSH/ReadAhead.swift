/// Reads the ranges of one object over a connection with many requests in flight (SFTP,
/// `kura serve`), reading ahead of the range being delivered so many small ranges cost one
/// round trip together, not one each.
enum ReadAhead {
    /// Bytes read ahead of the range being delivered.
    static let bytes = 8 << 20
    /// Ranges read ahead of the one being delivered.
    static let ranges = 64

    /// `read` for each range, up to `bytes` and `ranges` ahead; hands each to `deliver` in
    /// order. A range that comes back short is `shortRead` (the object ends first).
    static func deliver(_ name: ObjectName, ranges wanted: [Range<Int>],
                        reading read: @escaping @Sendable (Range<Int>) async throws -> [UInt8],
                        to deliver: (Int, [UInt8]) async throws -> Void) async throws {
        var reads: [Int: Task<[UInt8], any Error>] = [:]
        var started = 0, ahead = 0
        do {
            for (position, range) in wanted.enumerated() {
                while started < wanted.count, started == position
                        || (ahead + wanted[started].count <= bytes && started - position < ranges) {
                    let next = wanted[started]
                    reads[started] = Task { try await read(next) }
                    if started > position { ahead += next.count }
                    started += 1
                }
                let bytes = try await reads.removeValue(forKey: position)!.value
                if position + 1 < started { ahead -= wanted[position + 1].count }
                guard bytes.count == range.count else {
                    throw StorageError.shortRead(name, expected: range.count, got: bytes.count)
                }
                try await deliver(position, bytes)
            }
        } catch {
            for read in reads.values {
                read.cancel()
                _ = try? await read.value
            }
            throw error
        }
    }
}
