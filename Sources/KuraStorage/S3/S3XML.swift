import Foundation

/// Just enough XML for S3's answers: the text of elements by name.
enum S3XML {
    static func first(_ element: String, in body: [UInt8]) -> String? {
        all(element, in: String(decoding: body, as: UTF8.self)).first
    }

    /// The text of every `<element>`; `raw` keeps nested markup as it is (for blocks such
    /// as a listing's `<Contents>`, parsed further).
    static func all(_ element: String, in text: String, raw: Bool = false) -> [String] {
        var result: [String] = []
        var rest = text[...]
        while let open = rest.range(of: "<\(element)>"), let close = rest[open.upperBound...].range(of: "</\(element)>") {
            let inner = String(rest[open.upperBound..<close.lowerBound])
            result.append(raw ? inner : unescape(inner))
            rest = rest[close.upperBound...]
        }
        return result
    }

    /// An ISO 8601 time as listings give it (`2026-11-25T02:41:07.000Z`, fractions optional).
    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
