import ArgumentParser
import Foundation
import KuraOperations

/// `kura access-review`: the keys by role with last use and expiry, and what should be done
/// about them; recorded in the audit log.
struct AccessReviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "access-review",
        abstract: "Review the repository's keys: stale, expired, never used, admin keys without expiry (admin and auditor keys).",
        discussion: """
            Lists every key by role with when it was created, by whom, when it expires and when \
            it was last used, then one line per finding naming the key and what to do. The review \
            is recorded in the audit log (action access-review), signed by the key that ran it. \
            Exits 0 when nothing is flagged (warnings alone do not count) and 16 when something is, \
            so it can run from cron. See docs/ACCESS-REVIEW.md.

            Examples:
              kura access-review
              kura access-review --stale-days 30 --json
            """
    )

    @OptionGroup var repository: RepositoryOptions

    @Option(parsing: .unconditional,
            help: ArgumentHelp("A key not used for this many days is stale (1 to 36500; default 90).", valueName: "days"))
    var staleDays: String?

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Warn about keys expiring within this many days (0 to 36500, 0: never; default 14).",
                               valueName: "days"))
    var expiryWarningDays: String?

    @Flag(help: "Print a JSON document instead of the table.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            let options = AccessReview.Options(
                staleDays: try Self.days(staleDays, flag: "--stale-days", minimum: 1, default: AccessReview.Options.defaultStaleDays),
                expiryWarningDays: try Self.days(expiryWarningDays, flag: "--expiry-warning-days", minimum: 0,
                                                 default: AccessReview.Options.defaultExpiryWarningDays))
            let review = try await AccessReviewer(repository: try await repository.open()).run(options: options)
            if json {
                FileHandle.standardOutput.write(try review.jsonDocument() + Data("\n".utf8))
            } else {
                Output.document(review.table())
            }
            if review.isFlagged { throw ExitCode(ExitStatus.accessFlagged.rawValue) }
        }
    }

    /// A whole number of days in `minimum...36500`; anything else is a one-line usage error
    /// (exit 2), checked before the repository is opened.
    static func days(_ text: String?, flag: String, minimum: Int, default value: Int) throws -> Int {
        guard let text else { return value }
        guard let days = Int(text), days >= minimum, days <= AccessReview.Options.maximumDays else {
            throw CommandFailure(message: "\(flag) \(text) is not a number of days from \(minimum) to \(AccessReview.Options.maximumDays)")
        }
        return days
    }
}
