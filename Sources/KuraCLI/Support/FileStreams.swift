import Foundation
import KuraCrypto

/// Reads a file descriptor (a file or standard input) with plain read(2) calls.
final class FileSource: ByteSource {
    let descriptor: Int32
    let name: String
    private let ownsDescriptor: Bool

    init(path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileError.cannotOpen(path: path, errno: errno) }
        var info = stat()
        if fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFDIR {
            close(descriptor)
            throw FileError.cannotRead(path: path, errno: EISDIR)
        }
        self.descriptor = descriptor
        self.name = path
        self.ownsDescriptor = true
    }

    static func standardInput() -> FileSource { FileSource(descriptor: 0, name: "standard input") }

    private init(descriptor: Int32, name: String) {
        self.descriptor = descriptor
        self.name = name
        self.ownsDescriptor = false
    }

    deinit { if ownsDescriptor { close(descriptor) } }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let count = Foundation.read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno != EINTR { throw FileError.cannotRead(path: name, errno: errno) }
        }
    }
}

/// Writes to a file descriptor, retrying short writes.
final class FileSink: ByteSink {
    let descriptor: Int32
    let name: String

    init(descriptor: Int32, name: String) {
        self.descriptor = descriptor
        self.name = name
    }

    static func standardOutput() -> FileSink { FileSink(descriptor: 1, name: "standard output") }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let count = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if count < 0 {
                if errno == EINTR { continue }
                throw FileError.cannotWrite(path: name, errno: errno)
            }
            offset += count
        }
    }
}

/// Whether a descriptor is a terminal.
func isTerminal(_ descriptor: Int32) -> Bool { isatty(descriptor) == 1 }
