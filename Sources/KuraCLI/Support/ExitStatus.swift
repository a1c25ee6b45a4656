import ArgumentParser
import Foundation
import KuraCrypto
import KuraEngine
import KuraOperations
import KuraRepository
import KuraStorage

/// Kura's exit codes, in one place (docs/EXIT-CODES.md lists them for admins).
enum ExitStatus: Int32 {
    case success = 0
    case failure = 1
    case usage = 2
    case problemsFound = 3
    case noRepository = 10
    case locked = 11
    case wrongKey = 12
    case damaged = 13
    case malformed = 14
    case refused = 15
    /// `kura access-review` flagged a key (docs/ACCESS-REVIEW.md).
    case accessFlagged = 16
}

/// Turns any error into one line on standard error and the matching exit code; never a trap
/// or a stack trace. Secrets never reach these messages: errors carry none.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch {
        throw exit(for: error)
    }
}

/// The async form, for repository commands.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch {
        throw exit(for: error)
    }
}

private func exit(for error: any Error) -> ExitCode {
    if let code = error as? ExitCode { return code }
    let (message, status) = describe(error)
    Output.error("kura: \(message)")
    return ExitCode(status.rawValue)
}

private func describe(_ error: any Error) -> (String, ExitStatus) {
    switch error {
    case let error as AgeError:
        let status: ExitStatus = switch error.kind {
        case .noMatch: .wrongKey
        case .payload: .damaged
        case .header, .armor:
            error == .headerAuthenticationFailed || error == .truncatedBeforePayload ? .damaged : .malformed
        case .key: .usage
        }
        return (error.description + advice(for: error), status)
    case let error as CryptoError:
        return ("cryptographic failure: \(error)", .failure)
    case let error as FileError:
        return (error.description, .failure)
    case let error as PassphraseSource.Failure:
        return (error.description, error.isUsage ? .usage : .failure)
    case let error as CommandFailure:
        return (error.message, error.status)
    case let error as RepositoryError:
        let status: ExitStatus = switch error {
        case .noRepository: .noRepository
        case .wrongPassword: .wrongKey
        case .damaged, .badConfig, .configAltered, .auditHeadUnreadable: .damaged
        case .locked, .lockUnreadable: .locked
        case .storage(let inner): storageStatus(inner)
        default: .failure
        }
        return (error.description, status)
    case let error as StorageError:
        return (error.description, storageStatus(error))
    case let error as KeyError:
        let status: ExitStatus = switch error {
        case .roleCannot, .adminOnly, .lastAdmin: .refused
        case .expired, .notCertified, .notAMember, .contestedRoots, .unsignedCost, .noneOpened: .wrongKey
        case .noSuchKey, .ambiguousKey, .badName, .passwordInUse, .opensWithKeyFile: .usage
        }
        return (error.description, status)
    case let error as KeyFileFailure:
        return (error.description, error.status)
    case let error as RepositoryLocationError:
        return (error.description, .usage)
    case let error as S3Location.ParseError:
        return (error.description, .usage)
    case let error as S3Credentials.LookupError:
        return (error.description, .usage)
    case let error as PolicyError:
        return (error.description, .usage)
    case let error as ScheduleUnits.Failure:
        return (error.description, .usage)
    case let error as GlobError:
        return (error.description, .usage)
    case let error as BackupError:
        return (error.description, .failure)
    case let error as ExclusionError:
        return (error.description, .usage)
    case let error as PathListError:
        let status: ExitStatus = switch error {
        case .notUTF8, .emptyPath: .usage
        case .unreadable, .nothingListed: .failure
        }
        return (error.description, status)
    case let error as CommandStream.Failure:
        return (error.description, .failure)
    case let error as RestoreError:
        guard case .stopped(_, _, let cause) = error else { return (error.description, .failure) }
        return (error.description, describe(cause).1)
    case let error as CopyError:
        return (error.description, copyStatus(error))
    case let error as StatusError:
        return (error.description, .usage)
    case let error as RetentionError:
        return (error.description, error == .noRule || error.isConfiguration ? .usage : .failure)
    case let error as EraseError:
        let status: ExitStatus = switch error {
        case .notConfirmed: .usage
        default: .failure
        }
        return (error.description, status)
    case let error as PruneError:
        return (error.description, error == .concurrentPrune ? .failure : .damaged)
    case let error as DrillError:
        let status: ExitStatus = switch error {
        case .unknownSubject, .badSample: .usage
        default: .failure
        }
        return (error.description, status)
    default:
        return ("\(error)", .failure)
    }
}

/// A `kura serve` that refuses what the ssh key in use may not do is a refusal of the key's
/// role, as a backup key asked to forget is.
private func storageStatus(_ error: StorageError) -> ExitStatus {
    switch error {
    case .appendOnly, .appendOnlyRefusesCommand, .pathNotAllowed: .refused
    default: .failure
    }
}

private func copyStatus(_ error: CopyError) -> ExitStatus {
    switch error {
    case .sameRepository: .usage
    case .inSource(_, let inner), .inDestination(_, let inner): describe(inner).1
    default: .failure
    }
}

private func advice(for error: AgeError) -> String {
    switch error {
    case .noIdentityMatched: "; check that -i names the identity the file was encrypted to"
    case .wrongPassphrase: "; check the passphrase and try again"
    case .needsPassphrase: "; give it with --passphrase-file FILE, KURA_PASSPHRASE_FILE or at the terminal"
    case .needsIdentity: "; give the identity file with -i FILE"
    case .payloadDamaged, .payloadTruncated, .trailingData, .emptyFinalChunk, .headerAuthenticationFailed,
         .truncatedBeforePayload:
        "; no output was kept; restore the file from another copy"
    case .notAgeFile, .unsupportedVersion, .malformedHeader, .malformedStanza, .malformedArmor:
        "; the file is damaged or not an age file"
    default: ""
    }
}

extension PassphraseSource.Failure {
    var isUsage: Bool {
        switch self {
        case .noSource: true
        default: false
        }
    }
}

/// A failure the CLI itself detects (bad flag combination found late, refused action).
struct CommandFailure: Error {
    let message: String
    var status: ExitStatus = .usage
}
