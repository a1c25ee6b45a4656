import Foundation
import KuraCrypto
import Testing

/// Locates the repository's Vectors/ folder by walking up from this file. When it cannot be
/// found the vector lists come out empty, and `vectorFilesArePresent` fails.
enum TestData {
    static let vectorsDirectory: URL = {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("Vectors")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("README.md").path) {
                return candidate
            }
            directory = directory.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: "/nonexistent/Vectors")
    }()

    static func vectorFile(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: vectorsDirectory.appendingPathComponent(name))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TestDataError.malformed(name)
        }
        return object
    }

    /// The "vectors" array of a vector file (Vectors/README.md describes the shape).
    static func vectors(_ name: String, key: String = "vectors") -> [Vector] {
        let entries = (try? vectorFile(name)[key] as? [[String: Any]]) ?? []
        return entries.enumerated().map { index, entry in
            var fields: [String: String] = [:]
            for (key, value) in entry { fields[key] = "\(value)" }
            return Vector(name: fields["name"] ?? "\(name) #\(index + 1)", fields: fields)
        }
    }
}

/// One known-answer test: its name and its fields as text (hex strings and numbers).
struct Vector: Sendable, CustomTestStringConvertible {
    let name: String
    let fields: [String: String]

    var testDescription: String { name }
    func bytes(_ key: String) -> [UInt8] { [UInt8](hex: fields[key] ?? "") }
    func int(_ key: String) -> Int { Int(fields[key] ?? "") ?? 0 }
    subscript(_ key: String) -> String? { fields[key] }
}

/// A Wycheproof suite from KURA_WYCHEPROOF_DIR; nil when the variable is unset. When it is
/// set, a missing or unreadable file is a test failure, not a skip.
enum Wycheproof {
    static var directory: String? { ProcessInfo.processInfo.environment["KURA_WYCHEPROOF_DIR"] }

    static func suite(_ name: String) throws -> [[String: Any]] {
        guard let directory else { return [] }
        let data = try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(name))
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let groups = json["testGroups"] as? [[String: Any]] else { throw TestDataError.malformed(name) }
        return groups
    }
}

enum TestDataError: Error {
    case malformed(String)
}

extension Array where Element == UInt8 {
    init(hex: String) {
        var bytes: [UInt8] = []
        var iterator = hex.utf8.makeIterator()
        func nibble(_ c: UInt8) -> UInt8 {
            switch c {
            case 48...57: c - 48
            case 97...102: c - 87
            case 65...70: c - 55
            default: fatalError("bad hex digit in test vector")
            }
        }
        while let high = iterator.next(), let low = iterator.next() { bytes.append(nibble(high) << 4 | nibble(low)) }
        self = bytes
    }

    var hex: String { map { String(format: "%02x", $0) }.joined() }
}

extension Dictionary where Key == String, Value == Any {
    func bytes(_ key: String) -> [UInt8] { [UInt8](hex: self[key] as? String ?? "") }
    func string(_ key: String) -> String { self[key] as? String ?? "" }
    func int(_ key: String) -> Int { (self[key] as? NSNumber)?.intValue ?? 0 }
}

extension SecureBytes {
    static func bytes(_ value: [UInt8]) -> SecureBytes { try! SecureBytes(copying: value) }
}
