import Foundation

/// The authenticated ciphers Kura uses. All take 256-bit keys and produce 128-bit tags.
public enum AEADAlgorithm: String, Sendable, CaseIterable {
    /// AES-256-GCM through OpenSSL EVP (hardware AES where the CPU has it).
    case aes256GCM = "aes-256-gcm"
    /// ChaCha20-Poly1305 as in RFC 8439 (96-bit nonce), through OpenSSL EVP.
    case chacha20Poly1305 = "chacha20-poly1305"
    /// XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha, 192-bit nonce), through libsodium.
    case xchacha20Poly1305 = "xchacha20-poly1305"

    public static let keySize = 32
    public static let tagSize = 16

    /// The nonce length Kura uses. AES-256-GCM also accepts other lengths from 1 to 128 bytes
    /// (OpenSSL's bound), which only the Wycheproof suite exercises.
    public var nonceSize: Int {
        switch self {
        case .aes256GCM, .chacha20Poly1305: 12
        case .xchacha20Poly1305: 24
        }
    }

    func acceptsNonce(length: Int) -> Bool {
        switch self {
        case .aes256GCM: (1...128).contains(length)
        case .chacha20Poly1305, .xchacha20Poly1305: length == nonceSize
        }
    }
}

extension AEADAlgorithm {
    /// AES-256-GCM where the CPU has AES instructions (x86 AES-NI, ARMv8 AES), otherwise
    /// ChaCha20-Poly1305, which is fast and constant-time in software.
    public static let preferredForThisMachine: AEADAlgorithm = {
        guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return .chacha20Poly1305 }
        let hasAES = cpuinfo.split(separator: "\n").contains { line in
            (line.hasPrefix("flags") || line.hasPrefix("Features")) && line.split(separator: " ").contains("aes")
        }
        return hasAES ? .aes256GCM : .chacha20Poly1305
    }()
}
