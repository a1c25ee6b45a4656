/// The textual header of an age v1 file: recipient stanzas and the MAC that binds them to
/// the file key.
public struct AgeHeader: Sendable {
    public static let versionLine = "age-encryption.org/v1"
    /// Headers larger than this are refused, so a hostile file cannot exhaust memory.
    static let maximumSize = 16 * 1024 * 1024

    public var stanzas: [AgeStanza]
    public var mac: [UInt8]

    /// The bytes the MAC covers: everything up to and including the `---` mark.
    var macInput: [UInt8] {
        Array((Self.versionLine + "\n" + stanzas.map(\.encoded).joined() + "---").utf8)
    }

    /// The whole header, ending with the MAC line.
    var encoded: [UInt8] {
        macInput + Array((" " + Base64.encode(mac, padded: false) + "\n").utf8)
    }

    /// The MAC key: HKDF-SHA-256(ikm = file key, salt = empty, info = "header").
    static func macKey(fileKey: SecureBytes) throws(CryptoError) -> SecureBytes {
        try HKDF.deriveKey(inputKeyMaterial: fileKey, salt: [UInt8](), info: Array("header".utf8), length: 32)
    }

    /// A header for `stanzas`, MAC'd with `fileKey`.
    init(stanzas: [AgeStanza], fileKey: SecureBytes) throws(CryptoError) {
        self.stanzas = stanzas
        self.mac = []
        self.mac = HMACSHA256.authenticate(macInput, key: try Self.macKey(fileKey: fileKey))
    }

    init(stanzas: [AgeStanza], mac: [UInt8]) {
        self.stanzas = stanzas
        self.mac = mac
    }

    /// Whether the MAC matches under `fileKey`.
    func isAuthentic(fileKey: SecureBytes) throws(CryptoError) -> Bool {
        HMACSHA256.verify(mac, of: macInput, key: try Self.macKey(fileKey: fileKey))
    }
}

extension AgeHeader {
    /// Reads a header from `source`, leaving it positioned at the first payload byte.
    /// Every deviation from the format's grammar throws `AgeError`.
    static func read(from source: BufferedSource) throws -> AgeHeader {
        var consumed = 0
        func nextLine(_ what: String) throws -> [UInt8] {
            let result: (line: [UInt8], terminated: Bool)?
            do {
                result = try source.readLine(limit: 64 * 1024)
            } catch is BufferedSource.LineTooLong {
                throw AgeError.malformedHeader("a header line is longer than 64 KiB")
            }
            guard let (line, terminated) = result, terminated else {
                throw AgeError.malformedHeader("the header ends before its \(what)")
            }
            consumed += line.count + 1
            guard consumed <= maximumSize else { throw AgeError.malformedHeader("the header is larger than 16 MiB") }
            return line
        }

        let version: [UInt8]
        do {
            version = try nextLine("version line")
        } catch AgeError.malformedHeader(_) {
            throw AgeError.notAgeFile
        }
        let versionText = String(decoding: version, as: UTF8.self)
        guard versionText == versionLine else {
            if versionText.hasPrefix("age-encryption.org/") {
                throw AgeError.unsupportedVersion(String(versionText.dropFirst("age-encryption.org/".count)))
            }
            throw AgeError.notAgeFile
        }

        var stanzas: [AgeStanza] = []
        while true {
            let line = try nextLine("MAC line")
            if line.starts(with: Array("-> ".utf8)) {
                let arguments = try parseArguments(line.dropFirst(3))
                var bodyText: [UInt8] = []
                while true {
                    let bodyLine = try nextLine("end of a stanza body")
                    guard bodyLine.count <= 64 else { throw AgeError.malformedHeader("a stanza body line is longer than 64 columns") }
                    bodyText += bodyLine
                    if bodyLine.count < 64 { break }
                }
                guard let body = Base64.decode(bodyText, padded: false) else {
                    throw AgeError.malformedHeader("a stanza body is not canonical unpadded base64")
                }
                stanzas.append(AgeStanza(arguments: arguments, body: body))
            } else if line.starts(with: Array("---".utf8)) {
                guard line.count == 4 + 43, line[3] == UInt8(ascii: " "),
                      let mac = Base64.decode(Array(line[4...]), padded: false), mac.count == 32 else {
                    throw AgeError.malformedHeader("the MAC line is not \"--- \" and 43 base64 characters")
                }
                guard !stanzas.isEmpty else { throw AgeError.malformedHeader("the header has no recipient stanza") }
                return AgeHeader(stanzas: stanzas, mac: mac)
            } else {
                throw AgeError.malformedHeader("expected a stanza (\"->\") or the MAC line (\"---\")")
            }
        }
    }

    private static func parseArguments(_ text: ArraySlice<UInt8>) throws -> [String] {
        let arguments = text.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard !arguments.isEmpty else { throw AgeError.malformedHeader("a stanza has no arguments") }
        for argument in arguments {
            guard !argument.isEmpty, argument.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
                throw AgeError.malformedHeader("a stanza argument is empty or has characters outside printable ASCII")
            }
        }
        return arguments.map { String(decoding: $0, as: UTF8.self) }
    }
}
