import KuraCrypto
import KuraStorage

/// Which key epoch a pack's key is sealed under, as far as this key can tell.
public enum PackEpoch: Sendable {
    case newest
    case older
    /// No data key this key holds opens it (damaged, foreign, or from an epoch it lacks).
    case unreadable
}

extension Repository {
    /// Reads the pack's trailer and finds which of this key's data keys opens its pack key.
    public func epoch(ofPack id: PackID) async throws -> PackEpoch {
        let name = try ObjectName(.data, id.hex)
        guard let info = try await backend.stat(name), info.size >= PackFormat.trailerSize else { return .unreadable }
        let trailer = try await backend.get(name, offset: info.size - PackFormat.trailerSize, length: PackFormat.trailerSize)
        let sealed = trailer.prefix(PackFormat.sealedKeySize)
        if let newest = keyring.newest.dataPrivateKey, (try? SealedBox.open(sealed, with: newest)) != nil { return .newest }
        return (try? reader().unsealPackKey(sealed)) != nil ? .older : .unreadable
    }
}
