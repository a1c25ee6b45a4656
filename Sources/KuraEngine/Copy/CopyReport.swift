import KuraRepository

/// One generation copied: the source's and the destination's record, and what it cost.
public struct CopiedGeneration: Sendable {
    public let source: StoredGeneration
    public let destination: StoredGeneration
    public let statistics: CopyStatistics
}

/// Work done by a copy, for summaries and to show that incremental copies read little.
public struct CopyStatistics: Sendable {
    /// Blobs and their stored bytes read from the source (trees and file contents).
    public var blobsRead = 0
    public var bytesRead: Int64 = 0
    /// Data blobs, and bytes of packs (data and trees), added to the destination.
    public var newBlobs = 0
    public var storedBytes: Int64 = 0
    public var seconds: Double = 0

    public init() {}

    mutating func add(_ other: CopyStatistics) {
        blobsRead += other.blobsRead
        bytesRead += other.bytesRead
        newBlobs += other.newBlobs
        storedBytes += other.storedBytes
        seconds += other.seconds
    }
}

/// Everything a copy run did.
public struct CopyReport: Sendable {
    public var copied: [CopiedGeneration] = []
    /// Source generations the destination already held.
    public var alreadyPresent = 0
    public var totals = CopyStatistics()
}
