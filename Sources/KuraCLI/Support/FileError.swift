import Foundation

/// File-system failures of the CLI, each naming the file and what to do.
enum FileError: Error, CustomStringConvertible {
    case cannotOpen(path: String, errno: Int32)
    case cannotRead(path: String, errno: Int32)
    case cannotWrite(path: String, errno: Int32)
    case outputExists(path: String)
    case sameInputAndOutput(path: String)

    var description: String {
        switch self {
        case .cannotOpen(let path, let code): "cannot open \(path): \(Self.reason(code))"
        case .cannotRead(let path, let code): "cannot read \(path): \(Self.reason(code))"
        case .cannotWrite(let path, let code):
            code == ENOSPC || code == EDQUOT
                ? "cannot write \(path): the disk is full; free space and run the command again (nothing was written)"
                : "cannot write \(path): \(Self.reason(code))"
        case .outputExists(let path): "\(path) already exists; choose another output or pass --force to replace it"
        case .sameInputAndOutput(let path): "\(path) is both the input and the output; choose another output"
        }
    }

    private static func reason(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
