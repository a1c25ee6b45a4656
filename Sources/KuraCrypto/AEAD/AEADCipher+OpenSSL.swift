internal import COpenSSL

/// AES-256-GCM and ChaCha20-Poly1305 through OpenSSL's EVP interface. The key is installed
/// once per context; each message only sets a new nonce.
final class EVPAEADBackend: AEADBackend {
    private let cipher: OpaquePointer
    private let key: SecureBytes
    private var sealContext: OpaquePointer?
    private var openContext: OpaquePointer?

    init(_ algorithm: AEADAlgorithm, key: SecureBytes) throws(CryptoError) {
        switch algorithm {
        case .aes256GCM: cipher = EVP_aes_256_gcm()
        case .chacha20Poly1305: cipher = EVP_chacha20_poly1305()
        case .xchacha20Poly1305: preconditionFailure("XChaCha20-Poly1305 is not an EVP cipher")
        }
        self.key = key
    }

    deinit {
        EVP_CIPHER_CTX_free(sealContext)
        EVP_CIPHER_CTX_free(openContext)
    }

    private func context(encrypting: Bool, nonceLength: Int) throws(CryptoError) -> OpaquePointer {
        if let existing = encrypting ? sealContext : openContext,
           EVP_CIPHER_CTX_get_iv_length(existing) == Int32(nonceLength) {
            return existing
        }
        guard let context = EVP_CIPHER_CTX_new() else { throw .outOfMemory }
        let ready = key.withUnsafeBytes { keyBuffer in
            EVP_CipherInit_ex(context, cipher, nil, nil, nil, encrypting ? 1 : 0) == 1
                && EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_SET_IVLEN, Int32(nonceLength), nil) == 1
                && EVP_CipherInit_ex(context, nil, nil, keyBuffer.nonNullBase, nil, -1) == 1
        }
        guard ready else {
            EVP_CIPHER_CTX_free(context)
            throw openSSLError("AEAD context setup")
        }
        if encrypting {
            EVP_CIPHER_CTX_free(sealContext)
            sealContext = context
        } else {
            EVP_CIPHER_CTX_free(openContext)
            openContext = context
        }
        return context
    }

    func seal(_ plaintext: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer,
              associatedData: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(CryptoError) {
        let context = try context(encrypting: true, nonceLength: nonce.count)
        var length: Int32 = 0
        let body = output.nonNullBase
        guard EVP_CipherInit_ex(context, nil, nil, nil, nonce.nonNullBase, 1) == 1,
              associatedData.count == 0
                || EVP_CipherUpdate(context, nil, &length, associatedData.nonNullBase, Int32(associatedData.count)) == 1,
              plaintext.count == 0
                || EVP_CipherUpdate(context, body, &length, plaintext.nonNullBase, Int32(plaintext.count)) == 1,
              EVP_CipherFinal_ex(context, body + plaintext.count, &length) == 1,
              EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_GET_TAG, Int32(AEADAlgorithm.tagSize),
                                  body + plaintext.count) == 1
        else { throw openSSLError("AEAD seal") }
    }

    func open(_ sealed: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer,
              associatedData: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(CryptoError) {
        let context = try context(encrypting: false, nonceLength: nonce.count)
        let ciphertextLength = sealed.count - AEADAlgorithm.tagSize
        var tag = [UInt8](UnsafeRawBufferPointer(rebasing: sealed[ciphertextLength...]))
        var length: Int32 = 0
        var scratch: UInt8 = 0
        let body = output.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) } ?? withUnsafeMutablePointer(to: &scratch) { $0 }
        guard EVP_CipherInit_ex(context, nil, nil, nil, nonce.nonNullBase, 0) == 1,
              associatedData.count == 0
                || EVP_CipherUpdate(context, nil, &length, associatedData.nonNullBase, Int32(associatedData.count)) == 1,
              ciphertextLength == 0
                || EVP_CipherUpdate(context, body, &length, sealed.nonNullBase, Int32(ciphertextLength)) == 1,
              EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_SET_TAG, Int32(AEADAlgorithm.tagSize), &tag) == 1
        else { throw openSSLError("AEAD open") }
        guard EVP_CipherFinal_ex(context, body + ciphertextLength, &length) == 1 else {
            ERR_clear_error()
            throw .authenticationFailure
        }
    }
}
