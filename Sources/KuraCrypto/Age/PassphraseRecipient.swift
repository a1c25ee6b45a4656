/// How a passphrase is stretched into a wrap key: age's standard scrypt stanza, or Kura's
/// Argon2id stanza (docs/AGE-ARGON2ID.md).
public enum PassphraseKDF: Sendable, Equatable {
    /// age's `scrypt` stanza with N = 2^logN, r = 8, p = 1.
    case scrypt(logN: Int)
    /// Kura's `kura-argon2id` stanza.
    case argon2id(Argon2idParameters)

    /// age's default work factor: 2^18 (256 MiB, about a second).
    public static let defaultScrypt = PassphraseKDF.scrypt(logN: 18)
    public static let defaultArgon2id = PassphraseKDF.argon2id(.recommended)
}

enum PassphraseStanza {
    static let scryptType = "scrypt"
    static let argon2idType = "kura-argon2id"
    static let scryptLabel = Array("age-encryption.org/v1/scrypt".utf8)
    static let argon2idLabel = Array("kura-argon2id/v1".utf8)
    static let saltSize = 16
    /// scrypt work factors above 2^20 need more than 1 GiB: refused on decryption.
    static let maximumScryptLogN: UInt64 = 20

    static func isPassphraseType(_ type: String) -> Bool {
        type == scryptType || type == argon2idType
    }

    static func scryptKey(passphrase: SecureBytes, salt: [UInt8], logN: UInt64) throws -> SecureBytes {
        try Scrypt.deriveKey(password: passphrase, salt: scryptLabel + salt,
                             parameters: ScryptParameters(costN: 1 << logN, blockSize: 8, parallelism: 1))
    }

    static func argon2idKey(passphrase: SecureBytes, salt: [UInt8], parameters: Argon2idParameters,
                            limit: Argon2idParameters) throws -> SecureBytes {
        let stretched = try Argon2id.deriveKey(password: passphrase, salt: salt, parameters: parameters, limit: limit)
        return try HKDF.deriveKey(inputKeyMaterial: stretched, salt: [UInt8](), info: argon2idLabel, length: 32)
    }
}

/// A passphrase as a recipient: wraps the file key under a key stretched from it.
public struct PassphraseRecipient: AgeRecipient {
    public let passphrase: SecureBytes
    public let kdf: PassphraseKDF
    public var requiresSoleStanza: Bool { true }

    public init(passphrase: SecureBytes, kdf: PassphraseKDF = .defaultArgon2id) {
        self.passphrase = passphrase
        self.kdf = kdf
    }

    public func wrap(fileKey: SecureBytes) throws -> [AgeStanza] {
        let salt = SecureRandom.bytes(PassphraseStanza.saltSize)
        let saltText = Base64.encode(salt, padded: false)
        switch kdf {
        case .scrypt(let logN):
            guard logN >= 1, logN <= 30 else { throw CryptoError.parametersOutOfBounds("scrypt work factor 2^\(logN)") }
            let key = try PassphraseStanza.scryptKey(passphrase: passphrase, salt: salt, logN: UInt64(logN))
            return [AgeStanza(arguments: [PassphraseStanza.scryptType, saltText, String(logN)],
                              body: try AgeWrapping.seal(fileKey: fileKey, with: key))]
        case .argon2id(let parameters):
            let key = try PassphraseStanza.argon2idKey(passphrase: passphrase, salt: salt, parameters: parameters,
                                                       limit: parameters)
            return [AgeStanza(arguments: [PassphraseStanza.argon2idType, saltText,
                                          String(parameters.iterations), String(parameters.memoryKiB)],
                              body: try AgeWrapping.seal(fileKey: fileKey, with: key))]
        }
    }
}

/// A passphrase as an identity: opens `scrypt` and `kura-argon2id` stanzas, refusing work
/// factors beyond the untrusted-input limits.
public struct PassphraseIdentity: AgeIdentity {
    public let passphrase: SecureBytes

    public init(passphrase: SecureBytes) { self.passphrase = passphrase }

    public func unwrap(stanzas: [AgeStanza]) throws -> SecureBytes? {
        for stanza in stanzas {
            switch stanza.type {
            case PassphraseStanza.scryptType:
                let type = PassphraseStanza.scryptType
                guard stanza.arguments.count == 3 else {
                    throw AgeError.malformedStanza(type: type, reason: "it must have a salt and a work factor")
                }
                let salt = try AgeWrapping.decodeArgument(stanza.arguments[1], size: PassphraseStanza.saltSize,
                                                          type: type, what: "salt")
                let logN = try AgeWrapping.decodeDecimal(stanza.arguments[2], type: type, what: "work factor")
                try AgeWrapping.requireBody(stanza, type: type)
                guard logN <= PassphraseStanza.maximumScryptLogN else {
                    throw AgeError.workFactorTooHigh("scrypt 2^\(logN); Kura accepts up to 2^\(PassphraseStanza.maximumScryptLogN)")
                }
                let key = try PassphraseStanza.scryptKey(passphrase: passphrase, salt: salt, logN: logN)
                if let fileKey = try AgeWrapping.open(body: stanza.body, with: key) { return fileKey }
            case PassphraseStanza.argon2idType:
                let type = PassphraseStanza.argon2idType
                guard stanza.arguments.count == 4 else {
                    throw AgeError.malformedStanza(type: type, reason: "it must have a salt, iterations and memory")
                }
                let salt = try AgeWrapping.decodeArgument(stanza.arguments[1], size: PassphraseStanza.saltSize,
                                                          type: type, what: "salt")
                let iterations = try AgeWrapping.decodeDecimal(stanza.arguments[2], type: type, what: "iteration count")
                let memory = try AgeWrapping.decodeDecimal(stanza.arguments[3], type: type, what: "memory size")
                try AgeWrapping.requireBody(stanza, type: type)
                let limit = Argon2idParameters.untrustedLimit
                guard iterations <= limit.iterations, memory <= limit.memoryKiB, memory >= 8 else {
                    throw AgeError.workFactorTooHigh("Argon2id t=\(iterations), m=\(memory) KiB; Kura accepts up to \(limit)")
                }
                let parameters = Argon2idParameters(iterations: UInt32(iterations), memoryKiB: UInt32(memory))
                let key = try PassphraseStanza.argon2idKey(passphrase: passphrase, salt: salt,
                                                           parameters: parameters, limit: limit)
                if let fileKey = try AgeWrapping.open(body: stanza.body, with: key) { return fileKey }
            default:
                continue
            }
        }
        return nil
    }
}
