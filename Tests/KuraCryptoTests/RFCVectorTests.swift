import Foundation
import KuraCrypto
import Testing

/// Known answers transcribed from the standards (Vectors/README.md cites each source).
struct RFCVectorTests {
    static let chacha = TestData.vectors("rfc8439-chacha20poly1305.json")
    static let xchacha = TestData.vectors("xchacha20poly1305.json")

    @Test("AEAD known answers", arguments:
        chacha.map { ($0, AEADAlgorithm.chacha20Poly1305) } + xchacha.map { ($0, AEADAlgorithm.xchacha20Poly1305) })
    func aead(vector: Vector, algorithm: AEADAlgorithm) throws {
        let cipher = try AEADCipher(algorithm, key: .bytes(vector.bytes("key")))
        let sealed = try cipher.seal(vector.bytes("plaintext"), nonce: vector.bytes("nonce"),
                                     associatedData: vector.bytes("aad"))
        #expect(sealed == vector.bytes("ciphertext") + vector.bytes("tag"))
        let opened = try cipher.open(sealed, nonce: vector.bytes("nonce"), associatedData: vector.bytes("aad"))
        #expect(opened.copyBytes() == vector.bytes("plaintext"))
        var tampered = sealed
        tampered[tampered.count - 1] ^= 1
        #expect(throws: CryptoError.authenticationFailure) {
            try cipher.open(tampered, nonce: vector.bytes("nonce"), associatedData: vector.bytes("aad"))
        }
    }

    @Test func vectorFilesArePresent() {
        #expect(Self.chacha.count >= 2)
        #expect(Self.xchacha.count >= 1)
        #expect(TestData.vectors("rfc5869-hkdf-sha256.json").count == 3)
        #expect(TestData.vectors("rfc4231-hmac-sha256.json").count == 7)
        #expect(TestData.vectors("rfc8032-ed25519.json").count == 5)
        #expect(TestData.vectors("rfc7748-x25519.json").count >= 6)
        #expect(TestData.vectors("rfc7914-scrypt.json").count == 4)
        #expect(TestData.vectors("libsodium-ed25519-convert.json").count == 1)
        #expect(TestData.vectors("argon2id-p1.json").count >= 4)
    }

    @Test("HKDF-SHA-256 (RFC 5869)", arguments: TestData.vectors("rfc5869-hkdf-sha256.json"))
    func hkdf(vector: Vector) throws {
        let okm = try HKDF.deriveKey(inputKeyMaterial: vector.bytes("ikm"), salt: vector.bytes("salt"),
                                     info: vector.bytes("info"), length: vector.int("length"))
        #expect(okm.copyBytes() == vector.bytes("okm"))
        // The PRK is HMAC(salt, IKM): checks HMAC and the extract step together.
        #expect(HMACSHA256.authenticate(vector.bytes("ikm"), key: vector.bytes("salt")) == vector.bytes("prk"))
    }

    @Test("HMAC-SHA-256 (RFC 4231)", arguments: TestData.vectors("rfc4231-hmac-sha256.json"))
    func hmac(vector: Vector) {
        let mac = HMACSHA256.authenticate(vector.bytes("data"), key: vector.bytes("key"))
        let length = vector["truncate"] == nil ? 32 : vector.int("truncate")
        #expect(Array(mac.prefix(length)) == vector.bytes("mac"))
    }

    @Test("Ed25519 (RFC 8032)", arguments: TestData.vectors("rfc8032-ed25519.json"))
    func ed25519(vector: Vector) throws {
        let key = try Ed25519.PrivateKey(seed: .bytes(vector.bytes("secret")))
        #expect(key.publicKey.bytes == vector.bytes("public"))
        let signature = key.signature(for: vector.bytes("message"))
        #expect(signature == vector.bytes("signature"))
        #expect(key.publicKey.isValidSignature(signature, for: vector.bytes("message")))
        #expect(!key.publicKey.isValidSignature(signature, for: vector.bytes("message") + [0]))
    }

    @Test("X25519 (RFC 7748)", arguments: TestData.vectors("rfc7748-x25519.json"))
    func x25519(vector: Vector) throws {
        let output = try X25519.multiply(scalar: .bytes(vector.bytes("scalar")), point: vector.bytes("u"))
        #expect(output.copyBytes() == vector.bytes("output"))
    }

    @Test("Ed25519 to X25519 (libsodium)", arguments: TestData.vectors("libsodium-ed25519-convert.json"))
    func ed25519ToX25519(vector: Vector) throws {
        let signing = try Ed25519.PrivateKey(seed: .bytes(vector.bytes("seed")))
        #expect(try signing.publicKey.agreementKey().bytes == vector.bytes("x25519_public"))
        let agreement = try signing.agreementKey()
        #expect(agreement.scalar.copyBytes() == vector.bytes("x25519_private"))
        #expect(agreement.publicKey.bytes == vector.bytes("x25519_public"))
    }

    @Test("Ed25519 to X25519 refuses invalid points", arguments: TestData.vectors("libsodium-ed25519-convert.json", key: "invalid_public"))
    func ed25519ToX25519Refuses(vector: Vector) throws {
        #expect(throws: CryptoError.self) { try Ed25519.PublicKey(bytes: vector.bytes("public")).agreementKey() }
    }

    /// RFC 7748 §5.2: k = u = 9, then repeatedly (k, u) = (X25519(k, u), k).
    @Test("X25519 iterated (RFC 7748 §5.2)", arguments: TestData.vectors("rfc7748-x25519.json", key: "iterated"))
    func x25519Iterated(vector: Vector) throws {
        var k = [UInt8](repeating: 0, count: 32)
        k[0] = 9
        var u = k
        for _ in 0..<vector.int("iterations") {
            let next = try X25519.multiply(scalar: .bytes(k), point: u).copyBytes()
            u = k
            k = next
        }
        #expect(k == vector.bytes("output"))
    }

    @Test("scrypt (RFC 7914)", arguments: TestData.vectors("rfc7914-scrypt.json"))
    func scrypt(vector: Vector) throws {
        let parameters = ScryptParameters(costN: UInt64(vector.int("N")), blockSize: UInt32(vector.int("r")),
                                          parallelism: UInt32(vector.int("p")))
        let key = try Scrypt.deriveKey(password: vector.bytes("password"), salt: vector.bytes("salt"),
                                       parameters: parameters, length: vector.int("length"))
        #expect(key.copyBytes() == vector.bytes("output"))
    }

    @Test("Argon2id at parallelism 1 (reference implementation)", arguments: TestData.vectors("argon2id-p1.json"))
    func argon2id(vector: Vector) throws {
        let parameters = Argon2idParameters(iterations: UInt32(vector.int("iterations")),
                                            memoryKiB: UInt32(vector.int("memory_kib")))
        let output = try Argon2id.deriveKey(password: vector.bytes("password"), salt: vector.bytes("salt"),
                                            parameters: parameters, length: vector.bytes("output").count)
        #expect(output.copyBytes() == vector.bytes("output"))
    }
}
