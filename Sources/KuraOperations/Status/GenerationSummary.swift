import Foundation

/// A generation's number and time.
public struct GenerationMark: Sendable, Equatable {
    public var number: Int
    public var time: Date
}

/// The newest generation of a subject in one repository.
public struct GenerationSummary: Sendable {
    public var number: Int
    public var time: Date
    /// Seconds between the generation and the report's time.
    public var age: TimeInterval
    public var host: String
    public var bytes: Int64
}
