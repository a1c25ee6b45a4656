import Foundation
import KuraRepository

/// `.kura-restore-in-progress` in a restore's target, holding the generation's ID while the
/// restore runs: a restore that stops leaves it, so a rerun of the same generation knows the
/// entries already there are its own (each complete: files are renamed into place when whole)
/// and keeps them instead of refusing to overwrite them. Removed when a restore finishes.
struct RestoreMarker {
    let path: RawPath
    let contents: [UInt8]

    init(target: RawPath, generation: GenerationID) {
        path = target.appending(Array(".kura-restore-in-progress".utf8))
        contents = Array((generation.hex + "\n").utf8)
    }

    /// Whether a stopped restore of this generation left the marker.
    var isPresent: Bool {
        let descriptor = path.withCString { open($0, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) }
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: contents.count + 1)
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        return count == contents.count && Array(buffer.prefix(count)) == contents
    }

    func write() throws {
        let descriptor = path.withCString { open($0, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600) }
        guard descriptor >= 0 else { throw RestoreError.io("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let written = contents.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == contents.count else { throw RestoreError.io("cannot write \(path): \(String(cString: strerror(errno)))") }
    }

    func remove() { _ = path.withCString(unlink) }
}
