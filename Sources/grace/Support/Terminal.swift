import Foundation

/// Whether to color terminal output: only on a terminal, and never with NO_COLOR or TERM=dumb.
enum Terminal {
    static func wantsColor(_ fd: Int32 = STDOUT_FILENO) -> Bool {
        let env = ProcessInfo.processInfo.environment
        return isatty(fd) == 1 && env["NO_COLOR"] == nil && env["TERM"] != "dumb"
    }
}
