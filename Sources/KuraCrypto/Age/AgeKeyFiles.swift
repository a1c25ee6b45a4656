import Foundation

/// Parsing of the text files age users keep keys in: identity files (`AGE-SECRET-KEY-1…`
/// lines) and recipients files (`age1…` lines), with `#` comments and blank lines.
public enum AgeKeyFiles {
    /// The identities in an identity file. Errors name the line, never its content.
    public static func parseIdentities(_ text: String, source: String) throws -> [X25519Identity] {
        var identities: [X25519Identity] = []
        for (number, line) in meaningfulLines(text) {
            do {
                identities.append(try X25519Identity(parsing: line))
            } catch {
                throw AgeError.invalidIdentity("\(source) line \(number) is not an AGE-SECRET-KEY-1… identity")
            }
        }
        guard !identities.isEmpty else { throw AgeError.invalidIdentity("\(source) holds no identity") }
        return identities
    }

    /// The recipients in a recipients file.
    public static func parseRecipients(_ text: String, source: String) throws -> [X25519Recipient] {
        var recipients: [X25519Recipient] = []
        for (number, line) in meaningfulLines(text) {
            do {
                recipients.append(try X25519Recipient(parsing: line))
            } catch {
                throw AgeError.invalidRecipient("\(source) line \(number): \"\(line)\" is not an age1… recipient")
            }
        }
        guard !recipients.isEmpty else { throw AgeError.invalidRecipient("\(source) holds no recipient") }
        return recipients
    }

    private static func meaningfulLines(_ text: String) -> [(Int, String)] {
        text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { index, raw in
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            return trimmed.isEmpty || trimmed.hasPrefix("#") ? nil : (index + 1, String(trimmed))
        }
    }
}
