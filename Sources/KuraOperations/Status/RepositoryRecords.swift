import Foundation
import KuraRepository
import KuraStorage

/// What status and the runbook know of one repository: its generation and drill records and
/// the roles of its keys, or why it could not be read. Only records are read, never file
/// contents, so a key that may not read data can still produce a status.
public struct RepositoryRecords: Sendable {
    /// The repository's name in the policy (or its location when there is no policy).
    public var name: String
    public var location: String
    public var contents: Contents

    public enum Contents: Sendable {
        case read(RepositoryContents)
        /// The repository could not be opened or read; the text says why.
        case unreadable(String)
    }

    public init(name: String, location: String, contents: Contents) {
        self.name = name
        self.location = location
        self.contents = contents
    }

    /// The records, when the repository could be read.
    public var readContents: RepositoryContents? {
        if case .read(let contents) = contents { return contents }
        return nil
    }

    /// Reads the records of an open repository; a failure becomes `.unreadable`.
    public static func read(name: String, location: String, from repository: Repository) async -> RepositoryRecords {
        do {
            let (generations, damagedGenerations) = try await repository.generations()
            let (drills, damagedDrills) = try await repository.drills()
            let keys = await RepositoryKey.list(in: repository)
            let damaged = (damagedGenerations + damagedDrills).map { "\($0.1)" }
            return RepositoryRecords(name: name, location: location, contents: .read(RepositoryContents(
                generations: generations.map(\.generation), drills: drills.map(\.record), keys: keys,
                damagedRecords: damaged)))
        } catch {
            return RepositoryRecords(name: name, location: location, contents: .unreadable("\(error)"))
        }
    }
}

/// The records of a readable repository.
public struct RepositoryContents: Sendable {
    public var generations: [Generation]
    public var drills: [DrillRecord]
    public var keys: [RepositoryKey]
    /// Records that failed authentication or whose signature did not verify (check names them).
    public var damagedRecords: [String]

    public init(generations: [Generation], drills: [DrillRecord], keys: [RepositoryKey] = [], damagedRecords: [String] = []) {
        self.generations = generations
        self.drills = drills
        self.keys = keys
        self.damagedRecords = damagedRecords
    }
}

/// A key slot's name and role, for the runbook (which keys can restore).
public struct RepositoryKey: Sendable, Equatable {
    public var name: String
    public var role: Role

    public init(name: String, role: Role) {
        self.name = name
        self.role = role
    }

    /// Whether a key of this role can read and restore data.
    public var canRestore: Bool { role == .admin || role == .restore }

    private static var slotDecoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = KuraTime.parse(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad time"))
            }
            return date
        }
        return decoder
    }

    /// The key slots' names and roles; slots that do not parse are left out (check reports them).
    static func list(in repository: Repository) async -> [RepositoryKey] {
        guard let slots = try? await repository.backend.list(.keys) else { return [] }
        var keys: [RepositoryKey] = []
        for info in slots {
            guard let bytes = try? await repository.backend.get(info.name),
                  let slot = try? slotDecoder.decode(KeySlot.self, from: Data(bytes)) else { continue }
            keys.append(RepositoryKey(name: slot.name, role: slot.role))
        }
        return keys.sorted { ($0.name, $0.role.rawValue) < ($1.name, $1.role.rawValue) }
    }
}
