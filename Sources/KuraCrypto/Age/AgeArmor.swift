/// age's ASCII armor: strict PEM (RFC 7468 §3) with the label "AGE ENCRYPTED FILE", padded
/// base64 in 64-column lines. Whitespace is allowed only before and after the block; LF and
/// CRLF line endings are both accepted.
enum AgeArmor {
    static let beginLine = "-----BEGIN AGE ENCRYPTED FILE-----"
    static let endLine = "-----END AGE ENCRYPTED FILE-----"
    static let columns = 64

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}

/// Encodes everything written to it as armor into `sink`; `finish()` writes the end line.
final class ArmorWriter: ByteSink {
    private let sink: ByteSink
    private var pending: [UInt8] = []
    private static let bytesPerLine = AgeArmor.columns / 4 * 3

    init(sink: ByteSink) throws {
        self.sink = sink
        try sink.write(Array((AgeArmor.beginLine + "\n").utf8))
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        pending.append(contentsOf: bytes)
        let whole = pending.count / Self.bytesPerLine * Self.bytesPerLine
        guard whole > 0 else { return }
        var text = [UInt8]()
        text.reserveCapacity(whole / 3 * 4 + whole / Self.bytesPerLine)
        var offset = 0
        while offset < whole {
            text += Array(Base64.encode(pending[offset..<(offset + Self.bytesPerLine)], padded: true).utf8)
            text.append(0x0A)
            offset += Self.bytesPerLine
        }
        pending.removeFirst(whole)
        try sink.write(text)
    }

    func finish() throws {
        var text = pending.isEmpty ? "" : Base64.encode(pending, padded: true) + "\n"
        text += AgeArmor.endLine + "\n"
        pending = []
        try sink.write(Array(text.utf8))
    }
}

/// Decodes armor from a buffered source, strictly, as a stream of binary age bytes.
final class ArmorReader: ByteSource {
    private let source: BufferedSource
    private var decoded: [UInt8] = []
    private var position = 0
    private var finished = false

    /// Expects `source` to start at the BEGIN line (leading whitespace already skipped).
    init(source: BufferedSource) throws {
        self.source = source
        guard try nextLine() == AgeArmor.beginLine else {
            throw AgeError.malformedArmor("the first line is not \"\(AgeArmor.beginLine)\"")
        }
    }

    private func nextLine() throws -> String? {
        let result: (line: [UInt8], terminated: Bool)?
        do {
            result = try source.readLine(limit: 256)
        } catch is BufferedSource.LineTooLong {
            throw AgeError.malformedArmor("a line is longer than \(AgeArmor.columns) columns")
        }
        guard var (line, _) = result else { return nil }
        if line.last == 0x0D { line.removeLast() }
        return String(decoding: line, as: UTF8.self)
    }

    private func decodeNextLine() throws {
        guard let line = try nextLine() else { throw AgeError.malformedArmor("the armor ends without its END line") }
        if line == AgeArmor.endLine {
            try requireOnlyWhitespaceAfterEnd()
            finished = true
            return
        }
        guard line.utf8.count <= AgeArmor.columns, !line.isEmpty else {
            throw AgeError.malformedArmor("a base64 line is empty or longer than \(AgeArmor.columns) columns")
        }
        guard let bytes = Base64.decodeCanonicalPadded(line) else {
            throw AgeError.malformedArmor("a line is not canonical padded base64")
        }
        if line.utf8.count < AgeArmor.columns || line.hasSuffix("=") {
            // Only the last line may be short or padded: the END line must follow.
            guard try nextLine() == AgeArmor.endLine else {
                throw AgeError.malformedArmor("a short or padded line is not followed by the END line")
            }
            try requireOnlyWhitespaceAfterEnd()
            finished = true
        }
        decoded = bytes
        position = 0
    }

    private func requireOnlyWhitespaceAfterEnd() throws {
        var scratch = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = try scratch.withUnsafeMutableBytes { try source.read(into: $0) }
            if count == 0 { return }
            guard scratch[..<count].allSatisfy(AgeArmor.isWhitespace) else {
                throw AgeError.malformedArmor("data follows the END line")
            }
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while position == decoded.count {
            if finished { return 0 }
            decoded = []
            position = 0
            try decodeNextLine()
        }
        let count = min(buffer.count, decoded.count - position)
        decoded.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[position..<(position + count)]))
        }
        position += count
        return count
    }
}
