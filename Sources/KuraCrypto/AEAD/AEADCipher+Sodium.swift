internal import CSodium

/// XChaCha20-Poly1305 (IETF construction) through libsodium.
struct SodiumXChaChaBackend: AEADBackend {
    let key: SecureBytes

    func seal(_ plaintext: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer,
              associatedData: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(CryptoError) {
        requireSodium()
        let body = output.nonNullBase
        let status = key.withUnsafeBytes { keyBuffer in
            crypto_aead_xchacha20poly1305_ietf_encrypt_detached(
                body, body + plaintext.count, nil,
                plaintext.nonNullBase, UInt64(plaintext.count),
                associatedData.nonNullBase, UInt64(associatedData.count),
                nil, nonce.nonNullBase, keyBuffer.nonNullBase)
        }
        guard status == 0 else { throw .libraryFailure("XChaCha20-Poly1305 seal") }
    }

    func open(_ sealed: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer,
              associatedData: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(CryptoError) {
        requireSodium()
        let ciphertextLength = sealed.count - AEADAlgorithm.tagSize
        let status = key.withUnsafeBytes { keyBuffer in
            crypto_aead_xchacha20poly1305_ietf_decrypt_detached(
                output.nonNullBase, nil,
                sealed.nonNullBase, UInt64(ciphertextLength),
                sealed.nonNullBase + ciphertextLength,
                associatedData.nonNullBase, UInt64(associatedData.count),
                nonce.nonNullBase, keyBuffer.nonNullBase)
        }
        guard status == 0 else { throw .authenticationFailure }
    }
}
