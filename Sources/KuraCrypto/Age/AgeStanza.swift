/// One recipient stanza of an age header: its arguments (the first names its type) and its
/// binary body.
public struct AgeStanza: Sendable, Equatable {
    public var arguments: [String]
    public var body: [UInt8]

    public init(arguments: [String], body: [UInt8]) {
        self.arguments = arguments
        self.body = body
    }

    public var type: String { arguments.first ?? "" }

    /// The stanza as it appears in a header: the argument line and the body wrapped at 64 columns,
    /// always ending with a line shorter than 64 characters (possibly empty).
    var encoded: String {
        var text = "-> " + arguments.joined(separator: " ") + "\n"
        var body = Base64.encode(self.body, padded: false)[...]
        while body.count >= 64 {
            text += body.prefix(64) + "\n"
            body = body.dropFirst(64)
        }
        return text + body + "\n"
    }
}
