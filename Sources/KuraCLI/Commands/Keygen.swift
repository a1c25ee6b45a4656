import ArgumentParser
import Foundation
import KuraCrypto

/// `kura keygen`: a new X25519 age identity.
struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate an age X25519 identity and print its public recipient.",
        discussion: """
            With -o the identity file is written with mode 0600 and the recipient (age1…) is \
            printed on standard output; without it the identity goes to standard output.

            Example:
              kura keygen -o ~/.config/kura/key.txt
            """
    )

    @Option(name: [.short, .customLong("output")], help: "Write the identity to FILE (mode 0600).")
    var output: String?

    @Flag(help: "Replace the output file if it exists.")
    var force = false

    func run() throws {
        try reportingErrors {
            let identity = try X25519Identity.generate()
            let recipient = identity.recipient.encoded
            let created = ISO8601DateFormatter().string(from: Date())
            var text = Array("# created: \(created)\n# public key: \(recipient)\n\(identity.encoded())\n".utf8)
            defer { secureZero(&text) }
            let target = try OutputTarget(path: output, mode: 0o600, force: force, inputPath: nil)
            try text.withUnsafeBytes { try target.sink.write($0) }
            try target.commit()
            if target.isStandardOutput {
                FileHandle.standardError.write(Data("Public key: \(recipient)\n".utf8))
            } else {
                print(recipient)
            }
        }
    }
}
