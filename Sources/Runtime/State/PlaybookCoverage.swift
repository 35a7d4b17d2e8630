import Foundation
import Interpreter

#if canImport(Glibc)
import Glibc
#endif

/// Which playbooks ran, for the test command's coverage list: when `GRACE_PLAYBOOK_COVERAGE` names a file, every
/// Grace appends one line per finished run to it (`PLAYBOOK<tab>succeeded|failed`). Lines are single `write`s to a
/// file opened with O_APPEND, so the Graces of parallel tests do not interleave them. Unset (always, outside the
/// test command), this does nothing.
enum PlaybookCoverage {
    private static let descriptor: Int32 = {
        guard let path = ProcessInfo.processInfo.environment["GRACE_PLAYBOOK_COVERAGE"], !path.isEmpty else {
            return -1
        }
        return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
    }()

    /// Notes a finished run, if coverage is being collected.
    static func note(_ event: JournalEvent) {
        guard descriptor >= 0 else { return }
        let line: String
        switch event {
        case .runSucceeded(_, let playbook): line = "\(playbook)\tsucceeded\n"
        case .runFailed(_, let playbook, _): line = "\(playbook)\tfailed\n"
        default: return
        }
        let bytes = Array(line.utf8)
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }
}
