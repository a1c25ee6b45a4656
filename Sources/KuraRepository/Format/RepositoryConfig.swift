import Foundation

/// The repository's public settings (`config/config`, plaintext JSON). Nothing in it is
/// secret; tampering with it cannot weaken encryption, because every object's associated
/// data binds the repository ID and keys come only from key slots.
public struct RepositoryConfig: Codable, Sendable, Equatable {
    public static let currentVersion = 1

    public var version: Int
    public var id: RepositoryID
    public var created: Date
    public var chunker: ChunkerSettings
    /// The AEAD for blobs and pack headers: AES-256-GCM where the CPU has AES instructions.
    public var blobCipher: String

    public struct ChunkerSettings: Codable, Sendable, Equatable {
        public var minimum: Int
        public var average: Int
        public var maximum: Int

        public init(minimum: Int, average: Int, maximum: Int) {
            self.minimum = minimum
            self.average = average
            self.maximum = maximum
        }

        /// About 1 MiB on average, between 256 KiB and 4 MiB.
        public static let standard = ChunkerSettings(minimum: 256 * 1024, average: 1024 * 1024, maximum: 4 * 1024 * 1024)
    }
}

extension JSONEncoder {
    /// Sorted keys and ISO 8601 dates: the same value always encodes to the same bytes.
    static var kura: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(KuraTime.format(date))
        }
        return encoder
    }
}

extension JSONDecoder {
    static var kura: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = KuraTime.parse(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad time \(text)"))
            }
            return date
        }
        return decoder
    }
}

/// RFC 3339 times with nanoseconds, in UTC.
public enum KuraTime {
    public static func format(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        var whole = floor(seconds)
        var nanos = Int(((seconds - whole) * 1e9).rounded())
        if nanos >= 1_000_000_000 { whole += 1; nanos -= 1_000_000_000 }
        return format(seconds: Int64(whole), nanoseconds: nanos)
    }

    /// A file time exactly as stat(2) gave it (a Date would round its nanoseconds).
    public static func format(_ time: Timestamp) -> String {
        format(seconds: time.seconds, nanoseconds: Int(time.nanoseconds))
    }

    private static func format(seconds: Int64, nanoseconds nanos: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%09dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), nanos)
    }

    public static func parse(_ text: String) -> Date? {
        var whole = text
        var fraction = 0.0
        if let dot = text.firstIndex(of: "."), text.hasSuffix("Z") {
            let digits = text[text.index(after: dot)..<text.index(before: text.endIndex)]
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
                  let value = Double("0." + digits) else { return nil }
            fraction = value
            whole = String(text[..<dot]) + "Z"
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: whole).map { Date(timeIntervalSince1970: $0.timeIntervalSince1970 + fraction) }
    }
}
