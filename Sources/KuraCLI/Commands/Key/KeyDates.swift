import Foundation
import KuraRepository

/// Dates given on the command line for keys.
enum KeyDates {
    static func parse(_ text: String) -> Date? {
        if let time = KuraTime.parse(text) { return time }
        return KuraTime.parse(text + "T00:00:00Z")
    }
}
