import Foundation
import KuraCrypto
import Testing

struct PrimitiveTests {
    @Test func secureBytesNeverPrintTheirContents() throws {
        let secret = try SecureBytes(copying: Array("canary-secret".utf8))
        #expect(!"\(secret)".contains("canary"))
        #expect(!String(reflecting: secret).contains("canary"))
        #expect(secret == (try SecureBytes(copying: Array("canary-secret".utf8))))
        #expect(secret != (try SecureBytes(copying: Array("canary-secreT".utf8))))
    }

    @Test func randomBytesDiffer() throws {
        #expect(SecureRandom.bytes(32) != SecureRandom.bytes(32))
        #expect(try SecureBytes.random(count: 32) != SecureBytes.random(count: 32))
    }

    @Test func sha256KnownAnswers() {
        // FIPS 180-4 examples ("abc" and the empty string).
        #expect(SHA256.hash(Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hash([UInt8]()).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        var incremental = SHA256()
        incremental.update(Array("a".utf8))
        incremental.update(Array("bc".utf8))
        #expect(incremental.finalize() == SHA256.hash(Array("abc".utf8)))
    }

    @Test func aeadRejectsWrongSizes() throws {
        #expect(throws: CryptoError.self) { try AEADCipher(.aes256GCM, key: .bytes([UInt8](repeating: 0, count: 16))) }
        let cipher = try AEADCipher(.chacha20Poly1305, key: .bytes([UInt8](repeating: 1, count: 32)))
        #expect(throws: CryptoError.invalidInput("chacha20-poly1305 needs a 12-byte nonce, not 8")) {
            try cipher.seal([UInt8](), nonce: [UInt8](repeating: 0, count: 8))
        }
        #expect(throws: CryptoError.authenticationFailure) {
            try cipher.open([UInt8](repeating: 0, count: 5), nonce: [UInt8](repeating: 0, count: 12))
        }
    }

    @Test func aeadBindsAssociatedData() throws {
        for algorithm in AEADAlgorithm.allCases {
            let cipher = try AEADCipher(algorithm, key: try .random(count: 32))
            let nonce = SecureRandom.bytes(algorithm.nonceSize)
            let sealed = try cipher.seal(Array("payload".utf8), nonce: nonce, associatedData: Array("pack 1".utf8))
            #expect(throws: CryptoError.authenticationFailure) {
                try cipher.open(sealed, nonce: nonce, associatedData: Array("pack 2".utf8))
            }
            #expect(try cipher.open(sealed, nonce: nonce, associatedData: Array("pack 1".utf8)).copyBytes()
                    == Array("payload".utf8))
        }
    }

    @Test func argon2idRefusesHostileParameters() {
        let salt = [UInt8](repeating: 7, count: 16)
        #expect(throws: CryptoError.self) {
            try Argon2id.deriveKey(password: Array("pw".utf8), salt: salt,
                                   parameters: Argon2idParameters(iterations: 3, memoryKiB: 4 * 1024 * 1024))
        }
        #expect(throws: CryptoError.self) {
            try Argon2id.deriveKey(password: Array("pw".utf8), salt: salt,
                                   parameters: Argon2idParameters(iterations: 1000, memoryKiB: 64))
        }
        #expect(throws: CryptoError.self) {
            try Argon2id.deriveKey(password: Array("pw".utf8), salt: [UInt8](repeating: 0, count: 8),
                                   parameters: Argon2idParameters(iterations: 1, memoryKiB: 64))
        }
    }

    @Test func scryptRefusesHostileParameters() {
        #expect(throws: CryptoError.self) {
            try Scrypt.deriveKey(password: [UInt8](), salt: [UInt8](),
                                 parameters: ScryptParameters(costN: 1 << 22, blockSize: 8, parallelism: 1))
        }
        #expect(throws: CryptoError.self) {
            try Scrypt.deriveKey(password: [UInt8](), salt: [UInt8](),
                                 parameters: ScryptParameters(costN: 1000, blockSize: 8, parallelism: 1))
        }
    }

    @Test func sealedBoxRoundTripAndTamper() throws {
        let key = try X25519.PrivateKey()
        let sealed = SealedBox.seal(Array("pack key".utf8), to: key.publicKey)
        #expect(try SealedBox.open(sealed, with: key).copyBytes() == Array("pack key".utf8))
        var tampered = sealed
        tampered[40] ^= 0x80
        #expect(throws: CryptoError.authenticationFailure) { try SealedBox.open(tampered, with: key) }
        #expect(throws: CryptoError.authenticationFailure) { try SealedBox.open(sealed, with: try X25519.PrivateKey()) }
    }

    @Test func x25519RefusesLowOrderPoints() throws {
        let key = try X25519.PrivateKey()
        #expect(throws: CryptoError.weakPublicKey) { try X25519.multiply(scalar: key.scalar, point: [UInt8](repeating: 0, count: 32)) }
    }

    @Test func ed25519KeyFromSeedIsStable() throws {
        let key = try Ed25519.PrivateKey()
        let again = try Ed25519.PrivateKey(seed: key.seed())
        #expect(again.publicKey == key.publicKey)
    }

    @Test func base64IsCanonical() {
        #expect(Base64.encode(Array("any carnal pleas".utf8), padded: false) == "YW55IGNhcm5hbCBwbGVhcw")
        #expect(Base64.decodeCanonical("YW55IGNhcm5hbCBwbGVhcw") == Array("any carnal pleas".utf8))
        #expect(Base64.decodeCanonical("YW55IGNhcm5hbCBwbGVhcx") == nil, "non-zero trailing bits")
        #expect(Base64.decodeCanonical("YW55IGNhcm5hbCBwbGVhcw==") == nil, "padding")
        #expect(Base64.decodeCanonical("YW55I") == nil, "impossible length")
        #expect(Base64.decodeCanonical("YW5\n5") == nil, "foreign character")
        #expect(Base64.decodeCanonicalPadded("YW55IGNhcm5hbCBwbGVhcw==") == Array("any carnal pleas".utf8))
        #expect(Base64.decodeCanonicalPadded("YW55IGNhcm5hbCBwbGVhcw") == nil)
    }

    @Test func bech32RoundTripAndStrictness() throws {
        let data = SecureRandom.bytes(32)
        let text = Bech32.encode(hrp: "age", data: data)
        #expect(Bech32.decode(text)?.data == data)
        #expect(Bech32.decode(text.uppercased())?.data == data)
        var mixed = Array(text)
        mixed[5] = Character(mixed[5].uppercased())
        #expect(mixed.map(String.init).joined() == text || Bech32.decode(String(mixed)) == nil)
        var corrupted = Array(text.utf8)
        corrupted[10] = corrupted[10] == UInt8(ascii: "q") ? UInt8(ascii: "p") : UInt8(ascii: "q")
        #expect(Bech32.decode(String(decoding: corrupted, as: UTF8.self)) == nil)
        // BIP 173's valid test strings.
        #expect(Bech32.decode("A12UEL5L") != nil)
        #expect(Bech32.decode("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw")?.hrp == "abcdef")
        #expect(Bech32.decode("split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w")?.hrp == "split")
    }
}
