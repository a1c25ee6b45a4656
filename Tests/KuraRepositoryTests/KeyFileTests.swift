import Foundation
import KuraCrypto
@testable import KuraRepository
import KuraStorage
import Testing

/// Key files: the text format, the `hkdf-sha256` slot as docs/FORMAT.md defines it byte for
/// byte, and that passwords and key files never open each other's slots.
struct KeyFileTests {
    static func keyFile() throws -> KeyFile {
        KeyFile(repository: .random(), key: .random(), secret: try .random(count: KeyFile.secretSize))
    }

    @Test func textRoundTripsWithCommentsAndBlankLines() throws {
        let file = try Self.keyFile()
        let text = file.text(role: .backup, name: "web1 \"cron\"")
        let parsed = try KeyFile(parsing: Array("\n# kept by ops\r\n".utf8) + text + Array("\n\n".utf8))
        #expect(parsed.repository == file.repository && parsed.key == file.key && parsed.secret == file.secret)
        #expect(String(decoding: text, as: UTF8.self).hasPrefix("# Kura key file: backup key"))
    }

    @Test func malformedTextIsRefused() throws {
        let file = try Self.keyFile()
        let line = "kura-key-file-v1 \(file.repository.hex) \(file.key.hex) "
        let secret = Base64.encode(file.secret, padded: true)
        let cases = ["", "# nothing\n", line + secret + "\n" + line + secret + "\n",
                     "kura-key-file-v2 \(file.repository.hex) \(file.key.hex) \(secret)\n",
                     line + "\n", line + secret + " extra\n",
                     "kura-key-file-v1 \(file.repository.hex.dropLast()) \(file.key.hex) \(secret)\n",
                     line + Base64.encode(SecureRandom.bytes(31), padded: true) + "\n",
                     line + String(secret.dropLast()) + "\n"]
        for text in cases {
            #expect(throws: KeyFileError.self, "\(text)") { try KeyFile(parsing: Array(text.utf8)) }
        }
    }

    /// The slot's KEK is HKDF-SHA-256(secret, salt, "kura-key-file-v1" ‖ repository ID ‖ key ID),
    /// 32 bytes, and it seals the secrets with XChaCha20-Poly1305 as a password slot does:
    /// derived here from the documented construction, not through KeySlot.
    @Test func slotFollowsTheDocumentedConstruction() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kura-keyfile-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let backend = LocalBackend(path: path)
        let credential = try KeyCredential.newKeyFileSecret()
        guard case .keyFileSecret(let secret) = credential else { Issue.record("not a key file"); return }
        let created = try await Repository.initialize(backend: backend, credential: credential)
        let slot = created.keySlot
        #expect(slot.kdf.algorithm == "hkdf-sha256" && slot.kdf.iterations == 0 && slot.kdf.memoryKiB == 0)

        let salt = try #require(Base64.decodeCanonicalPadded(slot.kdf.salt))
        #expect(salt.count == 32)
        let info = Array("kura-key-file-v1".utf8) + created.config.id.bytes + slot.id.bytes
        let kek = try HKDF.deriveKey(inputKeyMaterial: secret, salt: salt, info: info, length: 32)
        let sealed = try #require(Base64.decodeCanonicalPadded(slot.secrets))
        let nonce = try #require(Base64.decodeCanonicalPadded(slot.nonce))
        let plain = try AEADCipher(.xchacha20Poly1305, key: kek)
            .open(sealed, nonce: nonce, associatedData: KeySlot.associatedData(repository: created.config.id, key: slot.id, role: .admin))
        let secrets = try RepositorySecrets(decoding: plain, repository: created.config.id)
        #expect(secrets.allows(.admin))

        let file = KeyFile(repository: created.config.id, key: slot.id, secret: secret)
        let opened = try await Repository.open(backend: backend, keyFile: file)
        #expect(opened.keySlot.id == slot.id)
    }

    @Test func passwordsAndKeyFilesDoNotOpenEachOthersSlots() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kura-keyfile-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let backend = LocalBackend(path: path)
        let password = try SecureBytes(copying: Array("correct horse".utf8))
        let created = try await Repository.initialize(backend: backend, password: password, parameters: RepositoryTests.fast)
        let credential = try KeyCredential.newKeyFileSecret()
        guard case .keyFileSecret(let secret) = credential else { Issue.record("not a key file"); return }
        let slot = try await created.addKey(role: .backup, name: "cron", expires: nil, credential: credential)

        // The key file's secret, taken as a password, opens nothing (the password slot is
        // tried with Argon2id, the key file's slot is skipped).
        await #expect(throws: RepositoryError.wrongPassword) { try await Repository.open(backend: backend, password: secret) }
        let opened = try await Repository.open(backend: backend, keyFile: KeyFile(repository: created.config.id, key: slot.id, secret: secret))
        #expect(opened.keySlot.role == .backup)

        // The admin's password slot, named by a key file, does not open with its secret.
        await #expect(throws: KeyFileError.doesNotOpen(created.keySlot.id)) {
            try await Repository.open(backend: backend, keyFile: KeyFile(repository: created.config.id, key: created.keySlot.id, secret: secret))
        }
        await #expect(throws: KeyFileError.anotherRepository(file: RepositoryID(bytes: [UInt8](repeating: 7, count: 32)), repository: created.config.id)) {
            try await Repository.open(backend: backend, keyFile: KeyFile(repository: RepositoryID(bytes: [UInt8](repeating: 7, count: 32)),
                                                                         key: slot.id, secret: secret))
        }
        await #expect(throws: KeyError.opensWithKeyFile(slot.id)) {
            try await opened.changePassword(to: password, parameters: RepositoryTests.fast)
        }
    }
}
