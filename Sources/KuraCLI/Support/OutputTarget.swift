import Foundation
import KuraCrypto

/// Where a command's result goes: an atomically written file, or standard output.
struct OutputTarget {
    let sink: ByteSink
    private let file: AtomicOutputFile?

    /// - Parameter path: nil or "-" for standard output.
    init(path: String?, mode: mode_t = 0o644, force: Bool, inputPath: String?) throws {
        guard let path, path != "-" else {
            sink = FileSink.standardOutput()
            file = nil
            return
        }
        if let inputPath, Self.sameFile(inputPath, path) { throw FileError.sameInputAndOutput(path: path) }
        file = try AtomicOutputFile(path: path, mode: mode, overwrite: force)
        sink = file!.sink
    }

    var isStandardOutput: Bool { file == nil }

    func commit() throws { try file?.commit() }

    private static func sameFile(_ a: String, _ b: String) -> Bool {
        var first = stat(), second = stat()
        guard stat(a, &first) == 0, stat(b, &second) == 0 else { return false }
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }
}

/// Opens the input named on the command line, or standard input for nil or "-".
func openInput(_ path: String?) throws -> FileSource {
    guard let path, path != "-" else { return FileSource.standardInput() }
    return try FileSource(path: path)
}

/// Reads a small text file (keys, recipients) as UTF-8.
func readTextFile(_ path: String) throws -> String {
    let source = try openInput(path)
    var bytes: [UInt8] = []
    defer { secureZero(&bytes) }
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    defer { secureZero(&chunk) }
    while true {
        let count = try chunk.withUnsafeMutableBytes { try source.read(into: $0) }
        if count == 0 { break }
        bytes += chunk[..<count]
        guard bytes.count <= 16 * 1024 * 1024 else { throw FileError.cannotRead(path: path, errno: EFBIG) }
    }
    return String(decoding: bytes, as: UTF8.self)
}
