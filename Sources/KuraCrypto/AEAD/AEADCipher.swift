/// An AEAD cipher bound to one key, for one thread at a time.
///
/// Sealing writes `ciphertext || tag`; opening checks the tag before releasing any plaintext
/// and zeroes its output on failure. Reusing one `AEADCipher` across many messages (the chunks
/// of a stream) avoids re-creating library contexts. The caller guarantees nonces never repeat
/// under one key.
public final class AEADCipher {
    public let algorithm: AEADAlgorithm
    private let backend: any AEADBackend

    public init(_ algorithm: AEADAlgorithm, key: SecureBytes) throws(CryptoError) {
        guard key.count == AEADAlgorithm.keySize else {
            throw .invalidInput("\(algorithm.rawValue) needs a \(AEADAlgorithm.keySize)-byte key, not \(key.count)")
        }
        self.algorithm = algorithm
        switch algorithm {
        case .aes256GCM, .chacha20Poly1305: backend = try EVPAEADBackend(algorithm, key: key)
        case .xchacha20Poly1305: backend = SodiumXChaChaBackend(key: key)
        }
    }

    /// Encrypts `plaintext` into `output`, which must hold `plaintext.count + tagSize` bytes.
    public func seal(_ plaintext: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer,
                     associatedData: UnsafeRawBufferPointer,
                     into output: UnsafeMutableRawBufferPointer) throws(CryptoError) {
        try checkNonce(nonce.count)
        guard output.count == plaintext.count + AEADAlgorithm.tagSize else {
            throw .invalidInput("sealed output must be the plaintext length plus \(AEADAlgorithm.tagSize) bytes")
        }
        try backend.seal(plaintext, nonce: nonce, associatedData: associatedData, into: output)
    }

    /// Decrypts `sealed` (`ciphertext || tag`) into `output`, which must hold
    /// `sealed.count - tagSize` bytes. Throws `authenticationFailure` on any mismatch.
    public func open(_ sealed: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer,
                     associatedData: UnsafeRawBufferPointer,
                     into output: UnsafeMutableRawBufferPointer) throws(CryptoError) {
        try checkNonce(nonce.count)
        guard sealed.count >= AEADAlgorithm.tagSize else { throw .authenticationFailure }
        guard output.count == sealed.count - AEADAlgorithm.tagSize else {
            throw .invalidInput("opened output must be the sealed length less \(AEADAlgorithm.tagSize) bytes")
        }
        do throws(CryptoError) {
            try backend.open(sealed, nonce: nonce, associatedData: associatedData, into: output)
        } catch {
            if let base = output.baseAddress { base.initializeMemory(as: UInt8.self, repeating: 0, count: output.count) }
            throw error
        }
    }

    /// Convenience over `seal(_:nonce:associatedData:into:)` for byte arrays.
    public func seal(_ plaintext: some ContiguousBytesView, nonce: some ContiguousBytesView,
                     associatedData: some ContiguousBytesView = [UInt8]()) throws(CryptoError) -> [UInt8] {
        try plaintext.withBytes { (p) throws(CryptoError) -> [UInt8] in
            var output = [UInt8](repeating: 0, count: p.count + AEADAlgorithm.tagSize)
            try nonce.withBytes { (n) throws(CryptoError) in
                try associatedData.withBytes { (a) throws(CryptoError) in
                    try output.withMutableBytes { (o) throws(CryptoError) in
                        try seal(p, nonce: n, associatedData: a, into: o)
                    }
                }
            }
            return output
        }
    }

    /// Convenience over `open(_:nonce:associatedData:into:)` for bulk data that is not key
    /// material (file content): the plaintext lands in ordinary memory, which costs far less
    /// per call than locked, guarded pages.
    public func openData(_ sealed: some ContiguousBytesView, nonce: some ContiguousBytesView,
                         associatedData: some ContiguousBytesView = [UInt8]()) throws(CryptoError) -> [UInt8] {
        try sealed.withBytes { (s) throws(CryptoError) -> [UInt8] in
            guard s.count >= AEADAlgorithm.tagSize else { throw .authenticationFailure }
            var output = [UInt8](repeating: 0, count: s.count - AEADAlgorithm.tagSize)
            try nonce.withBytes { (n) throws(CryptoError) in
                try associatedData.withBytes { (a) throws(CryptoError) in
                    try output.withMutableBytes { (o) throws(CryptoError) in
                        try open(s, nonce: n, associatedData: a, into: o)
                    }
                }
            }
            return output
        }
    }

    /// Convenience over `open(_:nonce:associatedData:into:)`; the plaintext lands in secure
    /// memory, since it is often a key.
    public func open(_ sealed: some ContiguousBytesView, nonce: some ContiguousBytesView,
                     associatedData: some ContiguousBytesView = [UInt8]()) throws(CryptoError) -> SecureBytes {
        try sealed.withBytes { (s) throws(CryptoError) -> SecureBytes in
            guard s.count >= AEADAlgorithm.tagSize else { throw .authenticationFailure }
            let output = try SecureBytes(count: s.count - AEADAlgorithm.tagSize)
            try nonce.withBytes { (n) throws(CryptoError) in
                try associatedData.withBytes { (a) throws(CryptoError) in
                    try output.withUnsafeMutableBytes { (o) throws(CryptoError) in
                        try open(s, nonce: n, associatedData: a, into: o)
                    }
                }
            }
            return output
        }
    }

    private func checkNonce(_ length: Int) throws(CryptoError) {
        guard algorithm.acceptsNonce(length: length) else {
            throw .invalidInput("\(algorithm.rawValue) needs a \(algorithm.nonceSize)-byte nonce, not \(length)")
        }
    }
}

/// One library's implementation of an AEAD; lengths are already checked.
protocol AEADBackend {
    func seal(_ plaintext: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer,
              associatedData: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(CryptoError)
    func open(_ sealed: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer,
              associatedData: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(CryptoError)
}
