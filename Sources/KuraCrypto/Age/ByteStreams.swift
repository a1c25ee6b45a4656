/// Where encryption and decryption read bytes from: a file, standard input, or another
/// stream (armor decoding). `read` returns 0 only at the end.
public protocol ByteSource: AnyObject {
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// Where encryption and decryption write bytes to.
public protocol ByteSink: AnyObject {
    func write(_ bytes: UnsafeRawBufferPointer) throws
}

extension ByteSource {
    /// Reads until `buffer` is full or the source ends; returns the count read.
    func fill(_ buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var total = 0
        while total < buffer.count {
            let count = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[total...]))
            if count == 0 { break }
            total += count
        }
        return total
    }
}

extension ByteSink {
    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }
}

/// An in-memory source, for tests and small inputs.
public final class MemorySource: ByteSource {
    private let bytes: [UInt8]
    private var position = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(buffer.count, bytes.count - position)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[position..<(position + count)]))
        }
        position += count
        return count
    }
}

/// An in-memory sink, for tests and small outputs.
public final class MemorySink: ByteSink {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        self.bytes.append(contentsOf: bytes)
    }
}

/// A source with a read-ahead buffer, for reading the header line by line and then handing
/// the rest of the bytes to the payload decoder without losing any.
final class BufferedSource: ByteSource {
    private let source: ByteSource
    private var buffer: [UInt8] = []
    private var position = 0
    private var sourceEnded = false

    init(_ source: ByteSource) { self.source = source }

    /// Makes at least `count` bytes available unless the source ends first; returns what is there.
    func peek(_ count: Int) throws -> ArraySlice<UInt8> {
        while buffer.count - position < count, !sourceEnded { try refill() }
        return buffer[position..<min(buffer.count, position + count)]
    }

    private func refill() throws {
        if position > 0 {
            buffer.removeFirst(position)
            position = 0
        }
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        let count = try chunk.withUnsafeMutableBytes { try source.read(into: $0) }
        if count == 0 { sourceEnded = true } else { buffer.append(contentsOf: chunk[..<count]) }
    }

    /// The next line without its LF, or nil at the end of input. A last line without LF is
    /// returned with `terminated == false`. Lines longer than `limit` throw `tooLong`.
    func readLine(limit: Int) throws -> (line: [UInt8], terminated: Bool)? {
        var searchFrom = position
        while true {
            if let newline = buffer[searchFrom...].firstIndex(of: 0x0A) {
                let line = Array(buffer[position..<newline])
                position = newline + 1
                return (line, true)
            }
            if buffer.count - position > limit { throw LineTooLong() }
            if sourceEnded {
                guard position < buffer.count else { return nil }
                let line = Array(buffer[position...])
                position = buffer.count
                return (line, false)
            }
            let consumed = buffer.count - position
            try refill()
            searchFrom = position + consumed
        }
    }

    struct LineTooLong: Error {}

    func read(into target: UnsafeMutableRawBufferPointer) throws -> Int {
        if position < buffer.count {
            let count = min(target.count, buffer.count - position)
            buffer.withUnsafeBytes { source in
                target.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[position..<(position + count)]))
            }
            position += count
            return count
        }
        return sourceEnded ? 0 : try source.read(into: target)
    }
}
