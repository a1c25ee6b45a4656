import ArgumentParser
import Foundation
import KuraCrypto

/// `kura encrypt`: an age v1 file to public keys or a passphrase.
struct Encrypt: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Encrypt a file to age recipients or with a passphrase (age v1 format).",
        discussion: """
            Files encrypted to age1… recipients, or with --scrypt, open with the age tool. \
            A passphrase (-p) uses Kura's Argon2id stanza by default.

            Examples:
              kura encrypt -r age1… -o secrets.tar.age secrets.tar
              kura encrypt -R team.txt -a < notes.txt > notes.txt.age
              kura encrypt -p --passphrase-file /etc/kura/pw -o db.age db.dump
            """
    )

    @Option(name: [.short, .customLong("recipient")], help: "Encrypt to this age1… recipient (repeatable).")
    var recipients: [String] = []

    @Option(name: [.customShort("R"), .customLong("recipients-file")],
            help: "Encrypt to the recipients listed in FILE (repeatable).")
    var recipientsFiles: [String] = []

    @Flag(name: [.short, .customLong("passphrase")], help: "Encrypt with a passphrase (Argon2id unless --scrypt).")
    var passphrase = false

    @Flag(help: "With a passphrase, write age's standard scrypt stanza, so plain age can decrypt.")
    var scrypt = false

    @Option(help: "Read the passphrase from FILE (else KURA_PASSPHRASE_FILE, else the terminal).")
    var passphraseFile: String?

    @Flag(name: [.short, .customLong("armor")], help: "Write ASCII armor (PEM) instead of binary.")
    var armor = false

    @Option(name: [.short, .customLong("output")], help: "Write to FILE instead of standard output.")
    var output: String?

    @Flag(help: "Replace the output file if it exists.")
    var force = false

    @Argument(help: "The file to encrypt (standard input if absent).")
    var input: String?

    func validate() throws {
        let usesPassphrase = passphrase || scrypt
        if usesPassphrase, !(recipients.isEmpty && recipientsFiles.isEmpty) {
            throw ValidationError("a passphrase cannot be combined with -r or -R: age allows a passphrase only alone")
        }
        if !usesPassphrase, recipients.isEmpty, recipientsFiles.isEmpty {
            throw ValidationError("say whom to encrypt to: -r age1…, -R FILE, or -p for a passphrase")
        }
        if passphraseFile != nil, !usesPassphrase {
            throw ValidationError("--passphrase-file needs -p")
        }
    }

    func run() throws {
        try reportingErrors {
            var ageRecipients: [any AgeRecipient] = []
            for text in recipients { ageRecipients.append(try X25519Recipient(parsing: text)) }
            for file in recipientsFiles {
                ageRecipients += try AgeKeyFiles.parseRecipients(try readTextFile(file), source: file)
            }
            let target = try OutputTarget(path: output, force: force, inputPath: input)
            if target.isStandardOutput, !armor, isTerminal(1) {
                throw CommandFailure(message: "refusing to write binary ciphertext to a terminal; use -o FILE or -a")
            }
            if passphrase || scrypt {
                let secret = try PassphraseSource(file: passphraseFile).read(confirm: true)
                ageRecipients = [PassphraseRecipient(passphrase: secret,
                                                     kdf: scrypt ? .defaultScrypt : .defaultArgon2id)]
            }
            let source = try openInput(input)
            try AgeEncryptor.encrypt(from: source, to: target.sink, recipients: ageRecipients, armor: armor)
            try target.commit()
        }
    }
}
