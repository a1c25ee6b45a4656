/// Reads the compact JSON that Kura writes (no whitespace, strings of printable ASCII without
/// escapes, integers without fraction or exponent) a value at a time. Every method returns
/// nil or false for anything outside that subset, so a reader built on it can hand the bytes
/// to JSONDecoder instead, and never reads a value differently from it.
struct StrictJSONScanner {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { position == bytes.count }

    /// Consumes `literal` if the bytes continue with it.
    mutating func take(_ literal: StaticString) -> Bool {
        literal.withUTF8Buffer { expected in
            guard bytes.count - position >= expected.count else { return false }
            for index in 0..<expected.count where bytes[position + index] != expected[index] { return false }
            position += expected.count
            return true
        }
    }

    /// A string of printable ASCII without escapes.
    mutating func string() -> String? {
        guard take("\"") else { return nil }
        let start = position
        while position < bytes.count, bytes[position] != 0x22 {
            let unit = bytes[position]
            guard unit >= 0x20, unit < 0x7F, unit != 0x5C else { return nil }
            position += 1
        }
        guard position < bytes.count else { return nil }
        defer { position += 1 }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    mutating func boolean() -> Bool? {
        if take("true") { return true }
        if take("false") { return false }
        return nil
    }

    /// Digits with no sign, no leading zero (except 0 itself), fraction or exponent.
    mutating func unsigned() -> UInt64? {
        let start = position
        var value: UInt64 = 0
        while position < bytes.count, (0x30...0x39).contains(bytes[position]) {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(bytes[position] - 0x30))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
            position += 1
        }
        let count = position - start
        let fractionOrExponent = position < bytes.count && [0x2E, 0x65, 0x45].contains(bytes[position])
        guard count > 0, count == 1 || bytes[start] != 0x30, !fractionOrExponent else { return nil }
        return value
    }

    /// An integer with an optional minus sign ("-0" is left to JSONDecoder).
    mutating func signed() -> Int64? {
        if take("-") {
            guard let magnitude = unsigned(), magnitude > 0, magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        return unsigned().flatMap { Int64(exactly: $0) }
    }

    /// A JSON array of values read by `element`; nil if any element is nil.
    mutating func array<T>(_ element: (inout StrictJSONScanner) -> T?) -> [T]? {
        guard take("[") else { return nil }
        var result: [T] = []
        if take("]") { return result }
        repeat {
            guard let value = element(&self) else { return nil }
            result.append(value)
        } while take(",")
        return take("]") ? result : nil
    }
}
