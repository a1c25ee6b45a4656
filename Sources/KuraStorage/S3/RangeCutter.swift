import NIOCore

/// Cuts a streamed stretch of an object into wanted ranges (ascending, not overlapping),
/// skipping the bytes between them, and hands each range on as soon as it is complete.
struct RangeCutter {
    let ranges: [Range<Int>]
    /// The range being filled.
    private(set) var next: Int
    /// Object offset of the next byte to arrive.
    var position: Int
    private(set) var started = false
    private var current: [UInt8] = []

    init(ranges: [Range<Int>], next: Int, position: Int) {
        self.ranges = ranges
        self.next = next
        self.position = position
    }

    /// Takes the next piece of the body; ranges from `until` on are not wanted.
    mutating func take(_ piece: ByteBuffer, until: Int, deliver: (Int, [UInt8]) async throws -> Void) async throws {
        started = true
        var piece = piece
        while piece.readableBytes > 0, next < until {
            let range = ranges[next]
            if position < range.lowerBound {
                let skip = min(range.lowerBound - position, piece.readableBytes)
                piece.moveReaderIndex(forwardBy: skip)
                position += skip
                continue
            }
            if current.isEmpty { current.reserveCapacity(range.count) }
            let count = min(range.upperBound - position, piece.readableBytes)
            piece.withUnsafeReadableBytes { current.append(contentsOf: $0.prefix(count)) }
            piece.moveReaderIndex(forwardBy: count)
            position += count
            if position == range.upperBound {
                let bytes = current
                current = []
                next += 1
                try await deliver(next - 1, bytes)
            }
        }
    }
}
