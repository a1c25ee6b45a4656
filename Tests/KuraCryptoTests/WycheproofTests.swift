import Foundation
import KuraCrypto
import Testing

/// Every case of the Wycheproof suites for the primitives Kura uses, when
/// KURA_WYCHEPROOF_DIR names ../shared/vectors/wycheproof (Scripts/test.sh and CI set it).
@Suite(.enabled(if: Wycheproof.directory != nil, "KURA_WYCHEPROOF_DIR is not set"))
struct WycheproofTests {
    @Test("AEAD suites", arguments: [
        ("aes_gcm_test.json", AEADAlgorithm.aes256GCM),
        ("chacha20_poly1305_test.json", .chacha20Poly1305),
        ("xchacha20_poly1305_test.json", .xchacha20Poly1305),
    ])
    func aead(file: String, algorithm: AEADAlgorithm) throws {
        var checked = 0
        for group in try Wycheproof.suite(file) {
            // Kura's AEADs take 256-bit keys only; the AES-128/192 groups are not for it.
            guard group.int("keySize") == 256 else { continue }
            for test in group["tests"] as! [[String: Any]] {
                checked += 1
                let id = test.int("tcId")
                let valid = test.string("result") == "valid"
                let cipher = try AEADCipher(algorithm, key: .bytes(test.bytes("key")))
                let sealed = test.bytes("ct") + test.bytes("tag")
                let opened = try? cipher.open(sealed, nonce: test.bytes("iv"), associatedData: test.bytes("aad"))
                if algorithm == .aes256GCM, test.bytes("iv").count > 128 {
                    // OpenSSL's GCM takes IVs of at most 128 bytes; Kura refuses longer ones
                    // (it only ever uses 12). Vectors/README.md records this deviation.
                    #expect(opened == nil, "\(file) tcId \(id): IVs over 128 bytes are refused")
                } else if valid {
                    #expect(opened?.copyBytes() == test.bytes("msg"), "\(file) tcId \(id) must open")
                    let resealed = try? cipher.seal(test.bytes("msg"), nonce: test.bytes("iv"),
                                                    associatedData: test.bytes("aad"))
                    #expect(resealed == sealed, "\(file) tcId \(id) must seal to the expected bytes")
                } else {
                    #expect(opened == nil, "\(file) tcId \(id) must be rejected")
                }
            }
        }
        #expect(checked > 60)
    }

    @Test func hmacSHA256() throws {
        var checked = 0
        for group in try Wycheproof.suite("hmac_sha256_test.json") {
            let tagBytes = group.int("tagSize") / 8
            for test in group["tests"] as! [[String: Any]] {
                checked += 1
                let mac = HMACSHA256.authenticate(test.bytes("msg"), key: test.bytes("key"))
                let matches = Array(mac.prefix(tagBytes)) == test.bytes("tag")
                #expect(matches == (test.string("result") == "valid"), "tcId \(test.int("tcId"))")
            }
        }
        #expect(checked == 174)
    }

    @Test func hkdfSHA256() throws {
        var checked = 0
        for group in try Wycheproof.suite("hkdf_sha256_test.json") {
            for test in group["tests"] as! [[String: Any]] {
                checked += 1
                let okm = try? HKDF.deriveKey(inputKeyMaterial: test.bytes("ikm"), salt: test.bytes("salt"),
                                              info: test.bytes("info"), length: test.int("size"))
                if test.string("result") == "valid" {
                    #expect(okm?.copyBytes() == test.bytes("okm"), "tcId \(test.int("tcId"))")
                } else {
                    #expect(okm == nil, "tcId \(test.int("tcId")) must be rejected")
                }
            }
        }
        #expect(checked == 86)
    }

    @Test func ed25519() throws {
        var checked = 0
        for group in try Wycheproof.suite("ed25519_test.json") {
            let publicKey = try Ed25519.PublicKey(bytes: (group["publicKey"] as! [String: Any]).bytes("pk"))
            for test in group["tests"] as! [[String: Any]] {
                checked += 1
                let verified = publicKey.isValidSignature(test.bytes("sig"), for: test.bytes("msg"))
                #expect(verified == (test.string("result") == "valid"), "tcId \(test.int("tcId")): \(test.string("comment"))")
            }
        }
        #expect(checked == 151)
    }

    /// Valid cases must agree. "Acceptable" cases (twist points, non-canonical and low-order
    /// public keys) are computed as RFC 7748 says, except that an all-zero shared secret is
    /// refused, as RFC 7748 §6.1 recommends.
    @Test func x25519() throws {
        var checked = 0
        for group in try Wycheproof.suite("x25519_test.json") {
            for test in group["tests"] as! [[String: Any]] {
                checked += 1
                let id = test.int("tcId")
                let expected = test.bytes("shared")
                let shared = try? X25519.multiply(scalar: .bytes(test.bytes("private")), point: test.bytes("public"))
                if let shared {
                    #expect(shared.copyBytes() == expected, "tcId \(id)")
                } else {
                    #expect(expected.allSatisfy { $0 == 0 }, "tcId \(id) refused although its secret is not zero")
                }
            }
        }
        #expect(checked == 518)
    }
}
