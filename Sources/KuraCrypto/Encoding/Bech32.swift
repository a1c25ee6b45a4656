/// Bech32 (BIP 173) without its 90-character length limit, as the age format uses it for
/// recipients (`age1…`) and identities (`AGE-SECRET-KEY-1…`).
public enum Bech32 {
    private static let charset = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)
    private static let generator: [UInt32] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]

    private static func polymod(_ values: [UInt8]) -> UInt32 {
        var checksum: UInt32 = 1
        for value in values {
            let top = checksum >> 25
            checksum = (checksum & 0x1ff_ffff) << 5 ^ UInt32(value)
            for index in 0..<5 where (top >> UInt32(index)) & 1 == 1 { checksum ^= generator[index] }
        }
        return checksum
    }

    private static func expand(_ hrp: [UInt8]) -> [UInt8] {
        hrp.map { $0 >> 5 } + [0] + hrp.map { $0 & 31 }
    }

    /// Regroups bits, e.g. 8-bit bytes into 5-bit groups and back.
    static func convertBits(_ data: [UInt8], from: Int, to: Int, pad: Bool) -> [UInt8]? {
        var accumulator = 0
        var bits = 0
        var output = [UInt8]()
        let maximum = (1 << to) - 1
        for value in data {
            guard Int(value) >> from == 0 else { return nil }
            accumulator = accumulator << from | Int(value)
            bits += from
            while bits >= to {
                bits -= to
                output.append(UInt8(accumulator >> bits & maximum))
            }
        }
        if pad {
            if bits > 0 { output.append(UInt8(accumulator << (to - bits) & maximum)) }
        } else if bits >= from || (accumulator << (to - bits)) & maximum != 0 {
            return nil
        }
        return output
    }

    /// Encodes `data` under the human-readable part `hrp`, in lower case (or upper case).
    public static func encode(hrp: String, data: [UInt8], uppercase: Bool = false) -> String {
        let lowerHRP = Array(hrp.lowercased().utf8)
        let groups = convertBits(data, from: 8, to: 5, pad: true)!
        let checksumInput = expand(lowerHRP) + groups + [0, 0, 0, 0, 0, 0]
        let checksum = polymod(checksumInput) ^ 1
        let checksumGroups = (0..<6).map { UInt8((checksum >> UInt32(5 * (5 - $0))) & 31) }
        let text = String(decoding: lowerHRP + [UInt8(ascii: "1")] + (groups + checksumGroups).map { charset[Int($0)] },
                          as: UTF8.self)
        return uppercase ? text.uppercased() : text
    }

    /// Decodes a Bech32 string into its (lower-case) human-readable part and data, or nil if
    /// it is mixed-case, has a bad checksum, bad characters or bad padding.
    public static func decode(_ text: String) -> (hrp: String, data: [UInt8])? {
        let bytes = Array(text.utf8)
        guard bytes.allSatisfy({ $0 >= 33 && $0 <= 126 }) else { return nil }
        let hasLower = bytes.contains { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }
        let hasUpper = bytes.contains { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }
        guard !(hasLower && hasUpper) else { return nil }
        let lower = Array(text.lowercased().utf8)
        guard let separator = lower.lastIndex(of: UInt8(ascii: "1")), separator >= 1,
              lower.count - separator - 1 >= 6 else { return nil }
        let hrp = Array(lower[..<separator])
        var groups = [UInt8]()
        for character in lower[(separator + 1)...] {
            guard let value = charset.firstIndex(of: character) else { return nil }
            groups.append(UInt8(value))
        }
        guard polymod(expand(hrp) + groups) == 1,
              let data = convertBits(Array(groups.dropLast(6)), from: 5, to: 8, pad: false) else { return nil }
        return (String(decoding: hrp, as: UTF8.self), data)
    }
}
