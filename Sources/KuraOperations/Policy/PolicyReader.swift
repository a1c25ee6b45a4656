import Foundation
import KuraEngine
import TOMLKit

/// Turns a parsed TOML table into a `Policy`, collecting every problem with its line rather
/// than stopping at the first, so `kura policy check` can list them all.
struct PolicyReader {
    let file: String
    let lines: TOMLLineMap
    private(set) var problems: [PolicyProblem] = []

    init(file: String, lines: TOMLLineMap) {
        self.file = file
        self.lines = lines
    }

    static let repositoryKeys = ["location", "password-file", "password-command", "key-file", "s3-endpoint", "s3-region", "prune-every"]
    static let subjectKeys = ["paths", "files-from", "files-from-verbatim", "files-from-raw", "command", "stdin-filename", "exclude", "exclude-caches", "exclude-if-present",
                              "exclude-larger-than", "one-file-system", "priority", "rpo", "rto", "repositories", "keep", "drill"]
    static let keepKeys = ["last", "hourly", "daily", "weekly", "monthly", "yearly", "within",
                           "within-hourly", "within-daily", "within-weekly", "within-monthly", "within-yearly"]
    static let drillKeys = ["every", "sample"]

    mutating func read(_ root: TOMLTable) -> Policy {
        checkKeys(root, at: [], allowed: ["repository", "subject"])
        var repositories: [String: RepositoryPolicy] = [:]
        for (name, value) in tables(root["repository"], at: ["repository"]) {
            if let repository = readRepository(name, value, at: ["repository", name]) { repositories[name] = repository }
        }
        var subjects: [SubjectPolicy] = []
        for (name, value) in tables(root["subject"], at: ["subject"]) {
            if let subject = readSubject(name, value, at: ["subject", name], repositories: repositories) {
                subjects.append(subject)
            }
        }
        return Policy(file: file, repositories: repositories, subjects: subjects)
    }

    private mutating func readRepository(_ name: String, _ table: TOMLTable, at path: [String]) -> RepositoryPolicy? {
        checkKeys(table, at: path, allowed: Self.repositoryKeys)
        guard let location = string(table, "location", at: path, required: true) else { return nil }
        var repository = RepositoryPolicy(name: name, location: location.hasPrefix("s3://") ? location : resolve(location))
        repository.passwordFile = string(table, "password-file", at: path).map(resolve)
        repository.passwordCommand = string(table, "password-command", at: path)
        repository.keyFile = string(table, "key-file", at: path).map(resolve)
        let sources = [("password-file", repository.passwordFile), ("password-command", repository.passwordCommand),
                       ("key-file", repository.keyFile)].filter { $0.1 != nil }
        if sources.count > 1 {
            problem(at: path + [sources[1].0], "give one of password-file, password-command and key-file")
        }
        repository.s3Endpoint = string(table, "s3-endpoint", at: path)
        repository.s3Region = string(table, "s3-region", at: path)
        if let every = duration(table, "prune-every", at: path) { repository.pruneEvery = every }
        return repository
    }

    private mutating func readSubject(_ name: String, _ table: TOMLTable, at path: [String],
                                      repositories: [String: RepositoryPolicy]) -> SubjectPolicy? {
        checkKeys(table, at: path, allowed: Self.subjectKeys)
        if name.isEmpty || name.contains("@") || name.contains("/") {
            problem(at: path, "subject name \"\(name)\" cannot be empty or contain @ or /")
        }
        let pathLists = readPathLists(table, at: path)
        let listKeys = [PathList.Format.lines, .verbatim, .nulSeparated].map(\.rawValue)
        let namesPaths = table["paths"] != nil || listKeys.contains(where: { table[$0] != nil })
        if !namesPaths, table["command"] == nil {
            problem(at: path, "[\(path.joined(separator: "."))] needs paths (or a list of them: \(listKeys.joined(separator: ", "))), "
                + "or command and stdin-filename for a dump")
        }
        if namesPaths, table["command"] != nil {
            problem(at: path + ["command"], "give paths (or files-from…) or command, not both: a command's output is the subject's one file")
        }
        let (command, stdinFilename) = readCommand(table, at: path)
        let paths = strings(table, "paths", at: path) ?? []
        for entry in paths where !entry.hasPrefix("/") {
            problem(at: path + ["paths"], "path \"\(entry)\" must be absolute (start with /)")
        }
        let names = strings(table, "repositories", at: path, required: true) ?? []
        for repository in names where repositories[repository] == nil {
            problem(at: path + ["repositories"],
                    "subject \(name) names repository \"\(repository)\", which is not defined; expected one of: "
                        + (repositories.keys.sorted().joined(separator: ", ").nilIfEmpty ?? "(no [repository.NAME] tables)"))
        }
        if Set(names).count != names.count { problem(at: path + ["repositories"], "a repository is listed twice") }
        var subject = SubjectPolicy(name: name, paths: paths, repositories: names)
        subject.pathLists = pathLists
        subject.command = command
        subject.stdinFilename = stdinFilename
        subject.exclude = strings(table, "exclude", at: path) ?? []
        for pattern in subject.exclude {
            if let reason = GlobMatcher.problem(in: pattern) { problem(at: path + ["exclude"], "exclude pattern \"\(pattern)\" \(reason)") }
        }
        subject.oneFileSystem = bool(table, "one-file-system", at: path) ?? false
        subject.excludeCaches = bool(table, "exclude-caches", at: path) ?? false
        for marker in strings(table, "exclude-if-present", at: path) ?? [] {
            do {
                subject.excludeIfPresent.append(try ExclusionMarker(parsing: marker))
            } catch {
                problem(at: path + ["exclude-if-present"], "exclude-if-present \"\(marker)\": expected NAME or NAME:HEADER, NAME one file name (no /)")
            }
        }
        if let size = string(table, "exclude-larger-than", at: path) {
            do {
                subject.excludeLargerThan = try FileSizeLimit.parse(size)
            } catch {
                problem(at: path + ["exclude-larger-than"], "exclude-larger-than = \"\(size)\" is not a size; expected a whole number with K, M, G or T (e.g. \"500M\")")
            }
        }
        if let priority = integer(table, "priority", at: path, minimum: 1) { subject.priority = priority }
        subject.rpo = duration(table, "rpo", at: path)
        subject.rto = duration(table, "rto", at: path)
        if let keep = table["keep"] {
            if let keepTable = keep.table { subject.keep = readKeep(keepTable, at: path + ["keep"]) } else {
                problem(at: path + ["keep"], "expected a table like { last = 5, daily = 7 }, found \(keep.type)")
            }
        }
        if let drill = table["drill"] {
            if let drillTable = drill.table { subject.drill = readDrill(drillTable, at: path + ["drill"]) } else {
                problem(at: path + ["drill"], "expected a table like { every = \"7d\", sample = \"10%\" }, found \(drill.type)")
            }
        }
        return subject
    }

    /// `command` and `stdin-filename`, which go together.
    private mutating func readCommand(_ table: TOMLTable, at path: [String]) -> ([String]?, String?) {
        let command = strings(table, "command", at: path)
        let filename = string(table, "stdin-filename", at: path)
        if command != nil, command?.isEmpty == true { problem(at: path + ["command"], "command must list the program and its arguments") }
        if command != nil, filename == nil, table["stdin-filename"] == nil {
            problem(at: path + ["command"], "command needs stdin-filename, the name its output gets in the generation (e.g. \"db.sql\")")
        }
        if command == nil, filename != nil, table["command"] == nil {
            problem(at: path + ["stdin-filename"], "stdin-filename goes with command (a dump command whose output is backed up)")
        }
        if let filename, let reason = StreamSource.problem(withName: filename) { problem(at: path + ["stdin-filename"], reason) }
        return (command, filename)
    }

    /// The `files-from…` keys: lists of files (relative to the policy file's folder) naming paths.
    private mutating func readPathLists(_ table: TOMLTable, at path: [String]) -> [PathList] {
        var lists: [PathList] = []
        for format in [PathList.Format.lines, .verbatim, .nulSeparated] {
            for file in strings(table, format.rawValue, at: path) ?? [] {
                guard file != "-" else {
                    problem(at: path + [format.rawValue], "\(format.rawValue) cannot be - in the policy (kura run has no standard input to read); name a file")
                    continue
                }
                lists.append(PathList(file: resolve(file), format: format))
            }
        }
        return lists
    }

    private mutating func readKeep(_ table: TOMLTable, at path: [String]) -> KeepRules {
        checkKeys(table, at: path, allowed: Self.keepKeys)
        return KeepRules(last: integer(table, "last", at: path, minimum: 0),
                         hourly: integer(table, "hourly", at: path, minimum: 0),
                         daily: integer(table, "daily", at: path, minimum: 0),
                         weekly: integer(table, "weekly", at: path, minimum: 0),
                         monthly: integer(table, "monthly", at: path, minimum: 0),
                         yearly: integer(table, "yearly", at: path, minimum: 0),
                         within: keepWithin(table, "within", at: path),
                         withinBuckets: keepWithinBuckets(table, at: path))
    }

    private mutating func keepWithinBuckets(_ table: TOMLTable, at path: [String]) -> [BucketRule: KeepWithin] {
        var buckets: [BucketRule: KeepWithin] = [:]
        for rule in [BucketRule.hourly, .daily, .weekly, .monthly, .yearly] {
            if let span = keepWithin(table, "within-\(rule.rawValue)", at: path) { buckets[rule] = span }
        }
        return buckets
    }

    private mutating func readDrill(_ table: TOMLTable, at path: [String]) -> DrillPolicy? {
        checkKeys(table, at: path, allowed: Self.drillKeys)
        let every = duration(table, "every", at: path, required: true)
        var sample = 1.0
        if let text = string(table, "sample", at: path) {
            if let fraction = Self.percentage(text) { sample = fraction } else {
                problem(at: path + ["sample"], "sample \"\(text)\" is not a percentage between 0% and 100% (e.g. \"10%\")")
            }
        }
        return every.map { DrillPolicy(every: $0, sample: sample) }
    }

    /// "10%" as 0.1; nil unless 0 < value <= 100.
    static func percentage(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasSuffix("%"), let value = Double(trimmed.dropLast()), value > 0, value <= 100 else { return nil }
        return value / 100
    }

    // MARK: Typed values

    private mutating func tables(_ value: (any TOMLValueConvertible)?, at path: [String]) -> [(String, TOMLTable)] {
        guard let value else { return [] }
        guard let table = value.table else {
            problem(at: path, "expected tables like [\(path.joined(separator: ".")).NAME], found \(value.type)")
            return []
        }
        var result: [(String, TOMLTable)] = []
        for name in table.keys.sorted() {
            guard let entry = table[name]?.table else {
                problem(at: path + [name], "expected a table [\(path.joined(separator: ".")).\(name)], found a single value")
                continue
            }
            result.append((name, entry))
        }
        return result
    }

    private mutating func string(_ table: TOMLTable, _ key: String, at path: [String], required: Bool = false) -> String? {
        guard let value = present(table, key, at: path, required: required) else { return nil }
        guard let text = value.string else { return mismatch(value, key, at: path, expected: "a string") }
        guard !text.isEmpty else {
            problem(at: path + [key], "\(key) is empty")
            return nil
        }
        return text
    }

    private mutating func strings(_ table: TOMLTable, _ key: String, at path: [String], required: Bool = false) -> [String]? {
        guard let value = present(table, key, at: path, required: required) else { return nil }
        guard let array = value.array else { return mismatch(value, key, at: path, expected: "an array of strings") }
        var result: [String] = []
        for element in array {
            guard let text = element.string, !text.isEmpty else {
                return mismatch(element, key, at: path, expected: "an array of non-empty strings")
            }
            result.append(text)
        }
        if required, result.isEmpty { problem(at: path + [key], "\(key) must list at least one entry") }
        return result
    }

    private mutating func integer(_ table: TOMLTable, _ key: String, at path: [String], minimum: Int) -> Int? {
        guard let value = present(table, key, at: path, required: false) else { return nil }
        guard let number = value.int else { return mismatch(value, key, at: path, expected: "a whole number") }
        guard number >= minimum else {
            problem(at: path + [key], "\(key) = \(number) is below the minimum of \(minimum)")
            return nil
        }
        return number
    }

    private mutating func bool(_ table: TOMLTable, _ key: String, at path: [String]) -> Bool? {
        guard let value = present(table, key, at: path, required: false) else { return nil }
        guard let flag = value.bool else { return mismatch(value, key, at: path, expected: "true or false") }
        return flag
    }

    private mutating func duration(_ table: TOMLTable, _ key: String, at path: [String], required: Bool = false) -> TimeInterval? {
        guard let text = string(table, key, at: path, required: required) else { return nil }
        guard let seconds = Durations.parse(text) else {
            problem(at: path + [key], "\(key) = \"\(text)\" is not a duration; expected a number and a unit s, m, h, d or w (e.g. \"4h\", \"7d\")")
            return nil
        }
        return seconds
    }

    private mutating func keepWithin(_ table: TOMLTable, _ key: String, at path: [String]) -> KeepWithin? {
        guard let text = string(table, key, at: path, required: false) else { return nil }
        do {
            return try KeepWithin(parsing: text)
        } catch {
            problem(at: path + [key], "\(error)".replacingOccurrences(of: "keep-within", with: "keep-\(key)"))
            return nil
        }
    }

    private mutating func present(_ table: TOMLTable, _ key: String, at path: [String], required: Bool) -> (any TOMLValueConvertible)? {
        if let value = table[key] { return value }
        if required { problem(at: path, "[\(path.joined(separator: "."))] needs \(key)") }
        return nil
    }

    private mutating func mismatch<T>(_ value: any TOMLValueConvertible, _ key: String, at path: [String], expected: String) -> T? {
        problem(at: path + [key], "\(key) should be \(expected), found \(value.type)")
        return nil
    }

    private mutating func checkKeys(_ table: TOMLTable, at path: [String], allowed: [String]) {
        for key in table.keys.sorted() where !allowed.contains(key) {
            let place = path.isEmpty ? "at the top level" : "in [\(path.joined(separator: "."))]"
            problem(at: path + [key], "unknown key \"\(key)\" \(place); expected one of: \(allowed.joined(separator: ", "))")
        }
    }

    private mutating func problem(at path: [String], _ message: String) {
        problems.append(PolicyProblem(file: file, line: lines.line(of: path), message: message))
    }

    /// Relative paths in the policy are relative to the policy file's folder.
    private func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        if path.hasPrefix("~/") { return NSHomeDirectory() + path.dropFirst(1) }
        return URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(path).standardizedFileURL.path
    }
}

private extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
