/// RFC 4648 base64 with the strictness the age format needs: decoders reject anything but
/// the canonical encoding of a value.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (index, character) in alphabet.enumerated() { table[Int(character)] = Int8(index) }
        return table
    }()

    public static func encode(_ bytes: some ContiguousBytesView, padded: Bool) -> String {
        bytes.withBytes { input in
            var output = [UInt8]()
            output.reserveCapacity((input.count + 2) / 3 * 4)
            var index = 0
            while index + 3 <= input.count {
                let word = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
                for shift in [18, 12, 6, 0] { output.append(alphabet[Int(word >> UInt32(shift) & 63)]) }
                index += 3
            }
            let remaining = input.count - index
            if remaining > 0 {
                var word = UInt32(input[index]) << 16
                if remaining == 2 { word |= UInt32(input[index + 1]) << 8 }
                output.append(alphabet[Int(word >> 18 & 63)])
                output.append(alphabet[Int(word >> 12 & 63)])
                if remaining == 2 { output.append(alphabet[Int(word >> 6 & 63)]) }
                if padded { output.append(contentsOf: Array(repeating: UInt8(ascii: "="), count: 3 - remaining)) }
            }
            return String(decoding: output, as: UTF8.self)
        }
    }

    /// Decodes unpadded base64, rejecting `=`, characters outside the alphabet, impossible
    /// lengths and non-zero trailing bits (non-canonical encodings).
    public static func decodeCanonical(_ text: some StringProtocol) -> [UInt8]? {
        decode(Array(text.utf8), padded: false)
    }

    /// Decodes padded base64 (as PEM uses), canonical only.
    public static func decodeCanonicalPadded(_ text: some StringProtocol) -> [UInt8]? {
        decode(Array(text.utf8), padded: true)
    }

    static func decode(_ characters: [UInt8], padded: Bool) -> [UInt8]? {
        var body = characters[...]
        if padded {
            guard characters.count % 4 == 0 else { return nil }
            var padding = 0
            while padding < 2, body.last == UInt8(ascii: "=") { body = body.dropLast(); padding += 1 }
            guard (body.count + padding) % 4 == 0 else { return nil }
        }
        guard body.count % 4 != 1 else { return nil }
        var output = [UInt8]()
        output.reserveCapacity(body.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for character in body {
            let value = values[Int(character)]
            guard value >= 0 else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        guard accumulator == 0 else { return nil }
        return output
    }
}
