internal import COpenSSL
import Glibc

/// HKDF with SHA-256 (RFC 5869) through OpenSSL's EVP_KDF: derives purpose-specific subkeys
/// from a secret, so that no key is ever used for two things.
public enum HKDF {
    /// RFC 5869 caps the output at 255 hash lengths.
    public static let maximumLength = 255 * 32

    /// Extract-then-expand: `length` bytes of key material from `inputKeyMaterial`.
    public static func deriveKey(inputKeyMaterial: some ContiguousBytesView,
                                 salt: some ContiguousBytesView,
                                 info: some ContiguousBytesView,
                                 length: Int) throws(CryptoError) -> SecureBytes {
        guard length > 0, length <= maximumLength else {
            throw .invalidInput("HKDF-SHA-256 output length must be 1...\(maximumLength) bytes, not \(length)")
        }
        let output = try SecureBytes(count: length)
        let status: Int32 = inputKeyMaterial.withBytes { ikm in
            salt.withBytes { saltBuffer in
                info.withBytes { infoBuffer in
                    output.withUnsafeMutableBytes { out in
                        derive(ikm: ikm, salt: saltBuffer, info: infoBuffer, into: out)
                    }
                }
            }
        }
        guard status == 1 else { throw openSSLError("HKDF-SHA-256") }
        return output
    }

    private static func derive(ikm: UnsafeRawBufferPointer, salt: UnsafeRawBufferPointer,
                               info: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Int32 {
        guard let kdf = EVP_KDF_fetch(nil, "HKDF", nil) else { return 0 }
        defer { EVP_KDF_free(kdf) }
        guard let context = EVP_KDF_CTX_new(kdf) else { return 0 }
        defer { EVP_KDF_CTX_free(context) }
        // OSSL_PARAM keeps pointers to its names, so they must outlive the call: static C strings.
        var parameters: [OSSL_PARAM] = [
            OSSL_PARAM_construct_utf8_string(ParameterName.digest, ParameterName.sha256, 0),
            OSSL_PARAM_construct_octet_string(ParameterName.key, UnsafeMutableRawPointer(mutating: ikm.nonNullBase), ikm.count),
            OSSL_PARAM_construct_octet_string(ParameterName.salt, UnsafeMutableRawPointer(mutating: salt.nonNullBase), salt.count),
            OSSL_PARAM_construct_octet_string(ParameterName.info, UnsafeMutableRawPointer(mutating: info.nonNullBase), info.count),
            OSSL_PARAM_construct_end(),
        ]
        return EVP_KDF_derive(context, out.nonNullBase, out.count, &parameters)
    }

    /// C strings that OpenSSL's parameter list points at: made once, never written or
    /// freed, so reading them from any thread is safe.
    private enum ParameterName {
        nonisolated(unsafe) static let digest = strdup("digest")!
        nonisolated(unsafe) static let sha256 = strdup("SHA256")!
        nonisolated(unsafe) static let key = strdup("key")!
        nonisolated(unsafe) static let salt = strdup("salt")!
        nonisolated(unsafe) static let info = strdup("info")!
    }
}
