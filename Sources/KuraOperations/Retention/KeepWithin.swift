import Foundation

/// A keep-within span: calendar years, months and days, then a fixed number of seconds,
/// counted back from the subject's newest generation as restic does (`6mo` before 31 August is
/// 3 March, as Go's AddDate normalises 31 February; not a fixed 180 days). Written with the units y, mo, w, d, h, min, s; a bare `m`
/// is refused, since restic reads it as months and Kura's other durations as minutes.
public struct KeepWithin: Sendable, Equatable, CustomStringConvertible {
    public var years = 0
    public var months = 0
    public var days = 0
    public var seconds: TimeInterval = 0

    public init(years: Int = 0, months: Int = 0, days: Int = 0, seconds: TimeInterval = 0) {
        self.years = years
        self.months = months
        self.days = days
        self.seconds = seconds
    }

    /// Why a text is not a keep-within span.
    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case ambiguousMinutesOrMonths(String)
        case invalid(String)

        public var description: String {
            switch self {
            case .ambiguousMinutesOrMonths(let text):
                "keep-within \"\(text)\": a bare m is ambiguous; write mo for months (restic's m) or min for minutes"
            case .invalid(let text):
                "keep-within takes a span such as 36h, 7d, 2w, 6mo or 1y2mo (units y, mo, w, d, h, min, s), not \"\(text)\""
            }
        }
    }

    /// Parses "1y6mo", "36h", "2w3d", "90min".
    public init(parsing text: String) throws {
        let characters = Array(text.trimmingCharacters(in: .whitespaces))
        var index = 0
        var sawUnit = false
        while index < characters.count {
            var digits = ""
            while index < characters.count, characters[index].isASCII, characters[index].isNumber {
                digits.append(characters[index])
                index += 1
            }
            var unit = ""
            while index < characters.count, characters[index].isLetter {
                unit.append(characters[index])
                index += 1
            }
            guard let value = Int(digits), value <= 1_000_000 else { throw ParseError.invalid(text) }
            switch unit {
            case "y": years += value
            case "mo": months += value
            case "w": days += 7 * value
            case "d": days += value
            case "h": seconds += TimeInterval(value) * 3600
            case "min": seconds += TimeInterval(value) * 60
            case "s": seconds += TimeInterval(value)
            case "m": throw ParseError.ambiguousMinutesOrMonths(text)
            default: throw ParseError.invalid(text)
            }
            sawUnit = true
        }
        guard sawUnit, !isZero else { throw ParseError.invalid(text) }
    }

    var isZero: Bool { years == 0 && months == 0 && days == 0 && seconds <= 0 }

    /// The earliest time still kept: `newest` less the years, months and days on the UTC
    /// calendar (a day past the month's end runs into the next month, as restic's AddDate
    /// does), then less the seconds.
    public func start(before newest: Date) -> Date {
        let calendar = Retention.calendar
        var parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: newest)
        let totalMonths = (parts.year ?? 0) * 12 + (parts.month ?? 1) - 1 - years * 12 - months
        parts.year = totalMonths >= 0 ? totalMonths / 12 : (totalMonths - 11) / 12
        parts.month = totalMonths - (parts.year ?? 0) * 12 + 1
        let day = parts.day ?? 1
        parts.day = 1
        let monthStart = calendar.date(from: parts) ?? newest
        let shifted = calendar.date(byAdding: .day, value: day - 1 - days, to: monthStart) ?? newest
        return shifted.addingTimeInterval(-seconds)
    }

    /// "1y6mo", "36h", "2w": units as they are parsed.
    public var description: String {
        var parts: [String] = []
        if years > 0 { parts.append("\(years)y") }
        if months > 0 { parts.append("\(months)mo") }
        if days > 0 { parts.append(days % 7 == 0 ? "\(days / 7)w" : "\(days)d") }
        var left = Int(seconds.rounded())
        for (unit, size) in [("h", 3600), ("min", 60), ("s", 1)] where left >= size {
            parts.append("\(left / size)\(unit)")
            left %= size
        }
        return parts.joined()
    }
}
