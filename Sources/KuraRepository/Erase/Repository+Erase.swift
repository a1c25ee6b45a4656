import Foundation
import KuraStorage

extension Repository {
    /// The plaintext object a crypto-erase leaves behind (`config/erased`): its certificate,
    /// so that anyone opening the repository learns what happened instead of "damaged".
    static let erasedMarkerName = try! ObjectName(.config, "erased")

    /// Removes a drill record (erase of its subject).
    public func delete(drill id: DrillID) async throws {
        try require(.delete)
        try await backend.delete(ObjectName(.drills, id.hex))
    }

    /// Every key slot object there is now (removed keys' slots included).
    public func keySlotObjects() async throws -> [ObjectName] {
        try await backend.list(.keys).map(\.name)
    }

    /// Deletes every key slot object, this handle's own last (so an erase killed part-way can
    /// be finished with the same password). Returns how many were deleted. Admin keys only.
    /// Slot objects go through this one function, so a later kind of key object (key epochs)
    /// has one place to be added.
    @discardableResult
    public func destroyKeySlots() async throws -> Int {
        try require(.manageKeys)
        let own = try ObjectName(.keys, keySlot.id.hex)
        let names = try await keySlotObjects()
        for name in names where name != own { try await backend.delete(name) }
        try await backend.delete(own)
        return names.count
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
        try await backend.put(Self.erasedMarkerName, bytes: Array(data))
    }

    /// The certificate a crypto-erase left in `backend`, if any (read without any key).
    public static func erasureCertificate(in backend: any StorageBackend) async -> ErasureCertificate? {
        guard let bytes = try? await backend.get(erasedMarkerName),
              let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else { return nil }
        return ErasureCertificate(json: object)
    }
}
