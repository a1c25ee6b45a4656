import Foundation

/// The time Kura records and compares: generation times, lock times, drill times, RPO ages.
/// Tests set `KURA_TEST_NOW` (an RFC 3339 time) to stand in for the current time, so RPO
/// breaches, retention over months and drill schedules are tested without waiting.
/// Durations (how long something took) are measured with the real clock.
public enum KuraClock {
    /// The current time, or `KURA_TEST_NOW` when it is set.
    public static var now: Date {
        if case .success(let fixed?) = testNow { return fixed }
        return Date()
    }

    /// A `KURA_TEST_NOW` that does not parse; the CLI refuses to start with one.
    public static var invalidTestNow: String? {
        if case .failure(let error) = testNow { return error.value }
        return nil
    }

    struct Unparsable: Error { let value: String }

    private static let testNow: Result<Date?, Unparsable> = {
        guard let text = ProcessInfo.processInfo.environment["KURA_TEST_NOW"], !text.isEmpty else { return .success(nil) }
        guard let date = parseRFC3339(text) else { return .failure(Unparsable(value: text)) }
        return .success(date)
    }()

    /// Parses an RFC 3339 time, with or without fractional seconds.
    public static func parseRFC3339(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}
