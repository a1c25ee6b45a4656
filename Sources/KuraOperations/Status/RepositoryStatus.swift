import Foundation

/// A repository as status saw it.
public struct RepositoryStatus: Sendable {
    public var name: String
    public var location: String
    public var unreadable: String?
    public var generationCount: Int
    public var drillCount: Int
    public var subjectCount: Int
    public var damagedRecords: [String]
    public var keys: [RepositoryKey]
}
