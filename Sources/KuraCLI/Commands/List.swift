import ArgumentParser
import Foundation
import KuraEngine
import KuraRepository

/// `kura ls`: the files of a generation.
struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List the files of a generation.",
        discussion: "GEN is SUBJECT@N, SUBJECT@latest, SUBJECT (its latest) or an ID prefix."
    )

    @OptionGroup var repository: RepositoryOptions

    @Argument(help: "The generation.")
    var generation: String

    @Argument(help: "Only this path and what is under it.")
    var path: String?

    func run() async throws {
        try await reportingErrors {
            let opened = try await repository.forGeneration(generation).open()
            let stored = try opened.resolveGeneration(generation, in: try await opened.generations().valid)
            var stack: [(BlobID, String, [UInt8])] = [(stored.generation.tree, "", [])]
            var lines: [(path: String, text: [UInt8])] = []
            while let (treeID, prefix, prefixBytes) = stack.popLast() {
                for node in try await opened.loadTree(treeID).nodes {
                    let full = prefix + "/" + node.name
                    let fullBytes = prefixBytes + [0x2F] + node.nameBytes
                    if let subtree = node.subtree { stack.append((subtree, full, fullBytes)) }
                    if let path, full != path, !full.hasPrefix(path.hasSuffix("/") ? path : path + "/") { continue }
                    lines.append((full, Self.line(node, path: fullBytes)))
                }
            }
            for line in lines.sorted(by: { $0.path < $1.path }) { Output.line(bytes: line.text) }
        }
    }

    /// The line for one entry, as raw bytes: names need not be UTF-8 (Output escapes them).
    static func line(_ node: Node, path: [UInt8]) -> [UInt8] {
        let type: Character = switch node.kind {
        case .directory: "d"
        case .symlink: "l"
        case .fifo: "p"
        case .socket: "s"
        case .characterDevice: "c"
        case .blockDevice: "b"
        case .file: "-"
        }
        let owner = "\(node.user ?? String(node.uid))/\(node.group ?? String(node.gid))"
        let time = KuraTime.format(Date(timeIntervalSince1970: Double(node.mtime.seconds)))
        let columns = "\(type)\(String(node.mode, radix: 8).leftPadded(4)) \(owner.padding(toLength: 16, withPad: " ", startingAt: 0)) "
            + "\(String(node.size).leftPadded(12)) \(time.prefix(19)) "
        return Array(columns.utf8) + path + (node.kind == .symlink ? Array(" -> ".utf8) + node.linkTargetBytes : [])
    }
}
