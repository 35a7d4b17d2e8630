import ArgumentParser

/// An error `grace` reports itself: `Main` prints its `description` to standard error and exits with `exitCode`.
protocol CommandFailure: Error, CustomStringConvertible {
    var exitCode: ExitCode { get }
}

/// A usage or I/O error found while running a command: exit status 2, as documented.
enum CLIError: CommandFailure {
    /// Something could not be read, written or reached (exit status 2).
    case io(String)
    /// The arguments make no sense for what they name, found after parsing, e.g. an unknown playbook (2).
    case usage(String)
    /// Understood, and refused as things stand, e.g. another Grace holds the state directory (1).
    case refused(String)

    var description: String {
        switch self {
        case .io(let m), .usage(let m), .refused(let m): "error: \(m)"
        }
    }

    var exitCode: ExitCode {
        if case .refused = self { return ExitCode(1) }
        return ExitCode(2)
    }
}
