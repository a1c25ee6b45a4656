import ArgumentParser
import Foundation
import KuraCrypto

/// `kura decrypt`: opens age v1 files, binary or armored.
struct Decrypt: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decrypt an age v1 file with identities or a passphrase.",
        discussion: """
            Armor is detected on its own. A passphrase-protected file asks for its passphrase \
            (or reads --passphrase-file / KURA_PASSPHRASE_FILE). Nothing is left behind when \
            decryption fails: the output appears only once the whole file has authenticated.

            Examples:
              kura decrypt -i key.txt -o secrets.tar secrets.tar.age
              kura decrypt --passphrase-file /etc/kura/pw db.age > db.dump
            """
    )

    @Option(name: [.short, .customLong("identity")], help: "Decrypt with the identities in FILE (repeatable).")
    var identities: [String] = []

    @Option(help: "Read the passphrase from FILE (else KURA_PASSPHRASE_FILE, else the terminal).")
    var passphraseFile: String?

    @Option(name: [.short, .customLong("output")], help: "Write to FILE instead of standard output.")
    var output: String?

    @Flag(help: "Replace the output file if it exists.")
    var force = false

    @Argument(help: "The file to decrypt (standard input if absent).")
    var input: String?

    func run() throws {
        try reportingErrors {
            var ageIdentities: [any AgeIdentity] = []
            for file in identities {
                ageIdentities += try AgeKeyFiles.parseIdentities(try readTextFile(file), source: file)
            }
            let target = try OutputTarget(path: output, mode: 0o600, force: force, inputPath: input)
            let decryptor = try AgeDecryptor(source: try openInput(input))
            if decryptor.needsPassphrase {
                guard identities.isEmpty else { throw AgeError.needsPassphrase }
                ageIdentities = [PassphraseIdentity(passphrase: try PassphraseSource(file: passphraseFile).read(confirm: false))]
            } else if ageIdentities.isEmpty {
                throw AgeError.needsIdentity
            }
            try decryptor.decrypt(with: ageIdentities, to: target.sink)
            try target.commit()
        }
    }
}
