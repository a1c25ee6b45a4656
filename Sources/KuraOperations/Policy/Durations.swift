import Foundation

/// Durations as the policy file and flags write them: a number and a unit (s, m, h, d, w),
/// one or more in a row ("90s", "4h", "1h30m", "2w").
public enum Durations {
    private static let units: [Character: TimeInterval] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]

    /// The seconds `text` stands for, or nil when it is not a positive duration.
    public static func parse(_ text: String) -> TimeInterval? {
        var total: TimeInterval = 0
        var number = ""
        var sawUnit = false
        for character in text.trimmingCharacters(in: .whitespaces) {
            if character.isASCII, character.isNumber {
                number.append(character)
            } else if let unit = units[character], let value = Int(number), value <= 1_000_000 {
                total += TimeInterval(value) * unit
                number = ""
                sawUnit = true
            } else {
                return nil
            }
        }
        guard number.isEmpty, sawUnit, total > 0 else { return nil }
        return total
    }

    /// "1h30m", "30d", "2w", "45s": the largest units first (weeks only when whole), for
    /// messages and reports.
    public static func format(_ seconds: TimeInterval) -> String {
        var left = Int(seconds.rounded())
        if left <= 0 { return "0s" }
        if left % 604_800 == 0 { return "\(left / 604_800)w" }
        var parts: [String] = []
        for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] where left >= size {
            parts.append("\(left / size)\(unit)")
            left %= size
        }
        return parts.joined()
    }

    /// A measured time such as a drill's restore: tenths under 10 s ("0.2s", "1.2s"), so a
    /// sub-second restore does not read as "0s" nor a 1.2 s breach of a 1s RTO as "1s".
    public static func formatMeasured(_ seconds: TimeInterval) -> String {
        seconds < 10 ? String(format: "%.1fs", max(0, seconds)) : format(seconds)
    }
}
