import Foundation
import KuraStorage

extension Repository {
    /// The plaintext object a crypto-erase leaves behind (`config/erased`): its certificate,
    /// so that anyone opening the repository learns what happened instead of "damaged".
    static var erasedMarkerName: ObjectName { get throws { try ObjectName(.config, "erased") } }

    /// Removes a drill record (erase of its subject).
    public func delete(drill id: DrillID) async throws {
        try require(.delete)
        try await backend.delete(ObjectName(.drills, id.hex))
    }

    /// The kinds of object that hold wrapped secrets: key slots (`keys/`) and key-epoch
    /// envelopes (`epochs/`). A crypto-erase deletes every object of these kinds.
    public static let keyMaterialKinds: [ObjectKind] = [.keys, .epochs]

    /// Every object there is now that holds wrapped secrets (removed keys' slots included).
    public func keyMaterialObjects() async throws -> [ObjectName] {
        var names: [ObjectName] = []
        for kind in Self.keyMaterialKinds { names += try await backend.list(kind).map(\.name) }
        return names
    }

    /// Deletes every key slot and key-epoch envelope: other keys' first, then this key's
    /// envelopes, then its own slot last, so an erase killed part-way can be finished with
    /// the same password. Returns how many of each were deleted. Admin keys only.
    @discardableResult
    public func destroyKeyMaterial() async throws -> (slots: Int, envelopes: Int) {
        try require(.manageKeys)
        let ownSlot = try ObjectName(.keys, keySlot.id.hex)
        let slots = try await backend.list(.keys).map(\.name)
        let envelopes = try await backend.list(.epochs).map(\.name)
        let isOwn = { (name: ObjectName) in name.name.hasSuffix("-" + self.keySlot.id.hex) }
        for name in slots where name != ownSlot { try await backend.delete(name) }
        for name in envelopes where !isOwn(name) { try await backend.delete(name) }
        for name in envelopes where isOwn(name) { try await backend.delete(name) }
        try await backend.delete(ownSlot)
        return (slots.count, envelopes.count)
    }

    /// Deletes every object of `kind`; returns their number and total size. For
    /// `erase --repository --delete-data` only, after the keys are gone.
    public func deleteAllObjects(_ kind: ObjectKind) async throws -> (count: Int, bytes: Int64) {
        try require(.manageKeys)
        let objects = try await backend.list(kind)
        for info in objects { try await backend.delete(info.name) }
        return (objects.count, objects.reduce(Int64(0)) { $0 + Int64($1.size) })
    }

    /// Stores the erase certificate in plaintext as `config/erased`.
    public func markErased(_ certificate: ErasureCertificate) async throws {
        let data = try JSONSerialization.data(withJSONObject: certificate.json, options: [.sortedKeys, .prettyPrinted])
        try await backend.put(try Self.erasedMarkerName, bytes: Array(data))
    }

    /// The certificate a crypto-erase left in `backend`, if any (read without any key).
    public static func erasureCertificate(in backend: any StorageBackend) async -> ErasureCertificate? {
        guard let bytes = try? await backend.get(try erasedMarkerName),
              let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else { return nil }
        return ErasureCertificate(json: object)
    }
}
