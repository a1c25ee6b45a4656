import Foundation
import KuraCrypto
import KuraStorage

/// An open repository: its configuration, the secrets of the key slot that opened it, and
/// the index. Writes follow the order that keeps a crash harmless: packs, then the index
/// that names them, then the generation that refers to their blobs.
public final class Repository: @unchecked Sendable {
    public let backend: any StorageBackend
    public let config: RepositoryConfig
    /// Whether the signed `init` audit entry vouches for `config` (checked when opening).
    public internal(set) var configAuthentication = ConfigAuthentication.unauthenticated("not checked")
    /// The pack cipher the config names.
    let blobCipher: AEADAlgorithm
    public let keySlot: KeySlot
    let secrets: RepositorySecrets
    /// The secrets of every key epoch this key holds (docs/KEYS.md, "Rotation").
    var keyring: Keyring
    /// Whether the audit log was found to agree with `keyring` (checked before the first pack).
    var epochConfirmed = false
    /// The key slots and their standing, read once per handle (`roster()`); dropped when this
    /// handle changes a key.
    var rosterCache: KeyRoster?
    let blobIDKey: SecureBytes
    /// Seeds the chunker's gear table, so chunk boundaries depend on a repository secret.
    public let chunkerSeed: SecureBytes
    public private(set) var index = RepositoryIndex()

    private var pack: PackWriter?
    private var pending: [BlobID: BlobType] = [:]
    /// Guards `index` and `pending` where this handle's owner changes them while other
    /// threads may ask `hasBlob` (the backup's preparation workers).
    private let blobsLock = NSLock()
    /// Sealed packs being stored, oldest first; their blobs stay in `pending` until stored.
    private var packStores: [PackStore] = []
    private var unsavedIndex: [IndexFile.Pack] = []
    /// Bytes of packs this handle wrote (for summaries).
    public private(set) var storedBytes: Int64 = 0
    public private(set) var newBlobs = 0

    private init(backend: any StorageBackend, config: RepositoryConfig, keySlot: KeySlot, secrets: RepositorySecrets) throws {
        self.backend = backend
        self.config = config
        self.keySlot = keySlot
        self.secrets = secrets
        blobCipher = try config.validate()
        keyring = Keyring(slot: secrets)
        // An auditor's slot holds neither key. It gets random stand-ins it can never use to
        // harm anything: storing a blob needs the data public key and reading one the data
        // private key, which an auditor lacks, and both fail first with a clear message.
        blobIDKey = try secrets.blobIDKey ?? .random(count: 32)
        chunkerSeed = try secrets.chunkerSeed ?? .random(count: 32)
    }

    /// `config/config` (a valid name; `throws` only because every ObjectName is checked).
    static var configName: ObjectName { get throws { try ObjectName(.config, "config") } }

    /// Creates a repository with a first admin key slot for `password`.
    public static func initialize(backend: any StorageBackend, password: SecureBytes,
                                  parameters: Argon2idParameters = .recommended) async throws -> Repository {
        try await initialize(backend: backend, credential: .password(password), parameters: parameters)
    }

    /// Creates a repository with a first admin key slot that `credential` opens.
    public static func initialize(backend: any StorageBackend, credential: KeyCredential,
                                  parameters: Argon2idParameters = .recommended) async throws -> Repository {
        if try await backend.exists(), try await backend.stat(try configName) != nil {
            throw RepositoryError.alreadyExists(backend.location)
        }
        try await backend.create()
        let config = RepositoryConfig(version: RepositoryConfig.currentVersion, id: .random(), created: KuraClock.now,
                                      chunker: .standard, blobCipher: AEADAlgorithm.preferredForThisMachine.rawValue)
        let secrets = try RepositorySecrets.generate(repository: config.id)
        let slot = try KeySlot.make(secrets, repository: config.id, role: .admin, name: "admin", createdBy: nil, expires: nil,
                                    certifier: secrets.signingKey, credential: credential, parameters: parameters)
        // Key slot first: a config without a key would be a repository nobody can open.
        try await backend.put(ObjectName(.keys, slot.id.hex), bytes: Array(JSONEncoder.kura.encode(slot)))
        let configBytes = Array(try JSONEncoder.kura.encode(config))
        try await backend.put(try configName, bytes: configBytes)
        let repository = try Repository(backend: backend, config: config, keySlot: slot, secrets: secrets)
        try await repository.appendAudit("init", details: ["key": slot.name, "role": slot.role.rawValue,
                                                           Self.configDigestDetail: Self.configDigest(configBytes)])
        repository.configAuthentication = .authenticated
        return repository
    }

    /// Opens a repository with `password` and loads its index. `key` (an ID prefix) limits
    /// the slots tried to that one; otherwise they are tried as `KeySlotCandidates` orders them.
    public static func open(backend: any StorageBackend, password: SecureBytes, key: String? = nil) async throws -> Repository {
        try await open(backend: backend, credential: .password(password), key: key)
    }

    /// Opens a repository with a key file: only the file's own slot is tried, and no
    /// password is stretched.
    public static func open(backend: any StorageBackend, keyFile: KeyFile) async throws -> Repository {
        do {
            return try await open(backend: backend, credential: .keyFileSecret(keyFile.secret), key: keyFile.key.hex,
                                  repositoryID: keyFile.repository)
        } catch KeyError.noSuchKey {
            throw KeyFileError.keyNotInRepository(keyFile.key)
        } catch RepositoryError.wrongPassword {
            throw KeyFileError.doesNotOpen(keyFile.key)
        }
    }

    /// Opens a repository with `credential`; `repositoryID`, when given, must be the
    /// repository's (a key file names the one it belongs to).
    static func open(backend: any StorageBackend, credential: KeyCredential, key: String?,
                     repositoryID: RepositoryID? = nil) async throws -> Repository {
        guard try await backend.exists(), try await backend.stat(try configName) != nil else {
            throw RepositoryError.noRepository(backend.location)
        }
        let configBytes: [UInt8]
        let config: RepositoryConfig
        do {
            configBytes = try await backend.get(try configName)
            config = try JSONDecoder.kura.decode(RepositoryConfig.self, from: Data(configBytes))
        } catch let error as StorageError {
            throw RepositoryError.storage(error)
        } catch {
            throw RepositoryError.badConfig("not a Kura repository configuration")
        }
        // Before any key slot is tried, so that a wrong password is not blamed for it.
        try config.validate()
        if let repositoryID, repositoryID != config.id {
            throw KeyFileError.anotherRepository(file: repositoryID, repository: config.id)
        }
        let slots = try await backend.list(.keys)
        guard !slots.isEmpty else {
            if let erased = await erasureCertificate(in: backend) {
                throw RepositoryError.cryptoErased(backend.location, time: erased.fields["time"] as? String ?? "an unknown time")
            }
            throw RepositoryError.noKeySlots(backend.location)
        }
        var readable: [KeySlot] = []
        for info in slots {
            if let slot = try? JSONDecoder.kura.decode(KeySlot.self, from: Data(try await backend.get(info.name))),
               slot.id.hex == info.name.name {
                readable.append(slot)
            }
        }
        let order = try KeySlotCandidates(slots: readable, repository: config.id, chosen: key)
        // A damaged slot (perhaps written by someone else) must not lock out the other keys.
        var damaged: RepositoryError?
        var refused: Error?
        for candidate in order.candidates {
            let slot = candidate.slot
            let opened: RepositorySecrets?
            do {
                opened = try slot.open(credential, repository: config.id, limit: candidate.limit)
            } catch let error as RepositoryError {
                damaged = damaged ?? error
                continue
            } catch {
                damaged = damaged ?? .damaged(object: "key slot \(slot.id.short)", reason: "its password parameters are out of bounds")
                continue
            }
            guard let secrets = opened else { continue }
            let repository = try Repository(backend: backend, config: config, keySlot: slot, secrets: secrets)
            // The audit log (membership) may be sealed under a later epoch: read the envelopes by
            // certificate first, then again by the membership that log gives.
            try await repository.loadKeyring(byCertificate: true)
            repository.rosterCache = nil
            try await repository.loadKeyring()
            do {
                try await repository.checkUsable()
            } catch let error as KeyError {
                refused = refused ?? error
                continue
            }
            try await repository.authenticateConfig(configBytes)
            try await repository.loadIndex()
            return repository
        }
        if let refused { throw refused }
        if let damaged { throw damaged }
        throw order.skipped.isEmpty ? RepositoryError.wrongPassword : KeyError.noneOpened(skipped: order.skipped)
    }

    // MARK: Metadata objects (index, generations, …): XChaCha20-Poly1305 with random nonces,
    // under the newest key epoch's metadata key; read with any epoch's key this key holds.

    func sealMetadata(_ plaintext: [UInt8], purpose: String) throws -> [UInt8] {
        let nonce = SecureRandom.bytes(24)
        return nonce + (try AEADCipher(.xchacha20Poly1305, key: keyring.newest.metadataKey!)
            .seal(plaintext, nonce: nonce, associatedData: Array("kura-\(purpose)-v1".utf8) + config.id.bytes))
    }

    func openMetadata(_ stored: [UInt8], purpose: String, object: String, keys: [SecureBytes]? = nil) throws -> [UInt8] {
        guard stored.count >= 24 + AEADAlgorithm.tagSize else {
            throw RepositoryError.damaged(object: object, reason: "truncated")
        }
        for key in keys ?? keyring.metadataKeysNewestFirst {
            if let plain = try? AEADCipher(.xchacha20Poly1305, key: key)
                .open(stored[24...], nonce: stored[..<24], associatedData: Array("kura-\(purpose)-v1".utf8) + config.id.bytes) {
                return plain.copyBytes()
            }
        }
        throw RepositoryError.damaged(object: object, reason: "fails authentication")
    }

    /// Index files that could not be read when the repository was opened; `check` names them.
    public private(set) var damagedIndexFiles: [(name: String, error: RepositoryError)] = []

    /// Reads every index file; damaged ones are set aside for check to report, so one bad
    /// index file does not make the rest of the repository unreadable. An index file listed
    /// but gone when read was replaced by a prune's sweep (which writes the replacement
    /// first): the listing is read again.
    func loadIndex() async throws {
        var attempts = 0
        while true {
            attempts += 1
            var index = RepositoryIndex()
            var damaged: [(name: String, error: RepositoryError)] = []
            do {
                for info in try await backend.list(.index) {
                    do {
                        let file = try await readIndexFile(info.name)
                        for pack in file.packs { index.add(pack: pack.id, entries: pack.blobs) }
                    } catch let error as RepositoryError {
                        damaged.append((info.name.name, error))
                    }
                }
            } catch StorageError.notFound(let name) where name.kind == .index && attempts < 5 {
                continue
            }
            damagedIndexFiles = damaged
            self.index = index
            return
        }
    }

    func readIndexFile(_ name: ObjectName) async throws -> IndexFile {
        let object = "index \(name.name.prefix(8))"
        let plain = try openMetadata(try await getRecord(name, purpose: "index", object: object), purpose: "index", object: object)
        guard let json = IndexFileCompression.expand(plain) else {
            throw RepositoryError.damaged(object: object, reason: "does not decompress")
        }
        if let file = IndexFileReader.decode(json) { return file }
        do {
            return try JSONDecoder.kura.decode(IndexFile.self, from: Data(json))
        } catch {
            throw RepositoryError.damaged(object: object, reason: "does not parse")
        }
    }

    // MARK: Blobs

    /// The keyed ID of `plaintext`.
    public func blobID(of plaintext: some ContiguousBytesView) -> BlobID {
        BlobID(bytes: HMACSHA256.authenticate(plaintext, key: blobIDKey))
    }

    /// Whether the repository (or this handle's unsaved packs) already has the blob. Safe to
    /// call from other threads while the owner adds blobs.
    public func hasBlob(_ id: BlobID) -> Bool {
        blobsLock.withLock { index.contains(id) || pending[id] != nil }
    }

    /// Stores a blob unless it is already there; returns its ID and whether it was new.
    @discardableResult
    public func store(_ plaintext: [UInt8], type: BlobType) async throws -> (id: BlobID, isNew: Bool) {
        let id = blobID(of: plaintext)
        if hasBlob(id) { return (id, false) }
        let encoded = plaintext.withUnsafeBytes { BlobCodec.encode($0) }
        try await add(id: id, type: type, encoded: encoded, rawLength: plaintext.count)
        return (id, true)
    }

    /// Adds an already-encoded blob (the backup pipeline encodes on worker threads).
    public func add(id: BlobID, type: BlobType, encoded: [UInt8], rawLength: Int) async throws {
        guard !hasBlob(id) else { return }
        if pack == nil {
            try await confirmEpochBeforeFirstWrite()
            pack = try PackWriter(repository: config.id, algorithm: blobCipher, dataPublicKey: try dataPublicKey())
        }
        try pack!.add(id: id, type: type, encoded: encoded, rawLength: rawLength)
        blobsLock.withLock { pending[id] = type }
        newBlobs += 1
        if pack!.isFull { try await writePack() }
    }

    /// Encodes a blob's plaintext (compression and padding); thread-safe.
    public static func encode(_ plaintext: UnsafeRawBufferPointer) -> [UInt8] { BlobCodec.encode(plaintext) }

    /// Seals the open pack and starts hashing and storing it; waits for the oldest stores
    /// while more are under way than the backend's `overlappingWrites`, or than one (a pack
    /// is always hashed and written while the next one fills, on another core).
    private func writePack() async throws {
        guard let writer = pack, !writer.isEmpty else { return }
        pack = nil
        let (bytes, entries) = try writer.finish()
        let backend = self.backend
        packStores.append(PackStore(entries: entries, size: bytes.count, task: Task {
            let id = PackID.hashing(bytes)
            try await backend.put(ObjectName(.data, id.hex), bytes: bytes)
            return id
        }))
        while packStores.count > max(1, backend.overlappingWrites) { try await finishOldestPackStore() }
    }

    /// Waits for the oldest pack store; once the pack is stored its blobs join the index. A
    /// failure cancels the other stores (their packs, if stored, are unindexed and prune
    /// removes them).
    private func finishOldestPackStore() async throws {
        let store = packStores.removeFirst()
        let id: PackID
        do {
            id = try await store.task.value
        } catch {
            for other in packStores { other.task.cancel() }
            packStores = []
            throw error
        }
        storedBytes += Int64(store.size)
        blobsLock.withLock {
            index.add(pack: id, entries: store.entries)
            for entry in store.entries { pending[entry.id] = nil }
        }
        unsavedIndex.append(IndexFile.Pack(id: id, blobs: store.entries))
    }

    /// Writes the open pack, waits for every pack store, then writes an index file naming
    /// every pack stored since the last flush.
    public func flush() async throws {
        try await writePack()
        while !packStores.isEmpty { try await finishOldestPackStore() }
        guard !unsavedIndex.isEmpty else { return }
        try await storeIndexFile(IndexFile(packs: unsavedIndex))
        unsavedIndex = []
    }

    /// Unsealed pack keys, so each pack's key is opened once; guarded because blobs are
    /// read from several tasks at once.
    private var packKeys: [PackID: (AEADAlgorithm, SecureBytes)] = [:]
    private let packKeysLock = NSLock()

    func cipher(for pack: PackID, name: ObjectName) async throws -> AEADCipher {
        if let (algorithm, key) = packKeysLock.withLock({ packKeys[pack] }) {
            return try AEADCipher(algorithm, key: key)
        }
        guard let info = try await backend.stat(name) else {
            throw RepositoryError.damaged(object: "pack \(pack.short)", reason: "missing")
        }
        guard info.size >= PackFormat.trailerSize else {
            throw RepositoryError.damaged(object: "pack \(pack.short)", reason: "truncated")
        }
        let trailer = try await backend.get(name, offset: info.size - PackFormat.trailerSize, length: PackFormat.trailerSize)
        let (algorithm, key) = try reader().key(trailer: trailer, name: pack.short)
        packKeysLock.withLock { packKeys[pack] = (algorithm, key) }
        return try AEADCipher(algorithm, key: key)
    }

    /// Reads, decrypts and verifies one blob. Safe to call from several tasks at once.
    public func readBlob(_ id: BlobID) async throws -> [UInt8] {
        guard let location = index.location(of: id) else { throw RepositoryError.blobMissing(id) }
        let name = try ObjectName(.data, location.pack.hex)
        let cipher = try await cipher(for: location.pack, name: name)
        let sealed = try await readPackRange(location.pack, name: name, offset: location.entry.offset,
                                             length: location.entry.length)
        return try openBlob(sealed, entry: location.entry, pack: location.pack, cipher: cipher)
    }

    /// Bytes of a pack, with a missing or short pack reported as damage.
    func readPackRange(_ pack: PackID, name: ObjectName, offset: Int, length: Int) async throws -> [UInt8] {
        do {
            return try await backend.get(name, offset: offset, length: length)
        } catch StorageError.shortRead {
            throw RepositoryError.damaged(object: "pack \(pack.short)", reason: "truncated")
        } catch StorageError.notFound {
            throw RepositoryError.damaged(object: "pack \(pack.short)", reason: "missing")
        }
    }

    /// Decrypts and verifies one blob, any failure reported as damage naming blob and pack.
    func openBlob(_ sealed: some ContiguousBytesView, entry: PackEntry, pack: PackID, cipher: AEADCipher) throws -> [UInt8] {
        do {
            return try PackReader.openBlob(sealed, entry: entry, cipher: cipher, repository: config.id, idKey: blobIDKey)
        } catch let error as RepositoryError {
            throw error
        } catch {
            throw RepositoryError.damaged(object: "blob \(entry.id.short) in pack \(pack.short)", reason: "fails authentication")
        }
    }

    /// Opens packs; only keys whose role reads file contents hold the data private key.
    func reader() throws -> PackReader {
        guard secrets.dataPrivateKey != nil else {
            throw KeyError.roleCannot(role: keySlot.role, action: "read file contents")
        }
        return PackReader(repository: config.id, dataKeys: keyring.dataPrivateKeysNewestFirst)
    }

    func dataPublicKey() throws -> X25519.PublicKey {
        guard secrets.dataPublicKey != nil, let key = keyring.newest.dataPublicKey else {
            throw KeyError.roleCannot(role: keySlot.role, action: "store data")
        }
        try requireCurrentEpoch()
        return key
    }

    // MARK: Trees

    /// Trees are JSON; the common case is written and read by `TreeJSONWriter` and
    /// `TreeJSONReader` (the same bytes, faster), everything else by Foundation.
    public func saveTree(_ tree: Tree) async throws -> BlobID {
        let bytes = try TreeJSONWriter.encode(tree) ?? Array(JSONEncoder.kura.encode(tree))
        return try await store(bytes, type: .tree).id
    }

    public func loadTree(_ id: BlobID) async throws -> Tree {
        let bytes = try await readBlob(id)
        if let tree = TreeJSONReader.decode(bytes) { return tree }
        do {
            return try JSONDecoder.kura.decode(Tree.self, from: Data(bytes))
        } catch {
            throw RepositoryError.damaged(object: "tree \(id.short)", reason: "does not parse")
        }
    }
}
