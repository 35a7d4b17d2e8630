import Foundation
import Interpreter
import Runtime

/// What the agent watches after a change is live: the touched kernels' failures in Grace's journal, and the
/// cause of the task (a log line) in a kernel's log, compared with before the change.
struct AgentWatch: Sendable {
    /// Grace's journal (read only; Grace writes it).
    let journal: StateStore?
    /// `<state_dir>/logs`.
    let logDirectory: URL

    /// Kinds that count against a kernel in the window.
    static let failures: [String] = [
        JournalKind.kernelExited, .kernelGaveUp, .kernelSpawnFailed, .kernelUnhealthy, .kernelWatchdogTimeout,
        .kernelStartTimeout,
    ].map(\.rawValue)

    /// Where the window starts: the journal's head and each watched kernel's log size.
    struct Mark: Sendable, Codable {
        var journalID: Int64
        var logSizes: [String: UInt64]
        var time: Date
    }

    /// A mark with the kernels it watches, as a task stores it.
    struct Recorded: Sendable, Codable {
        var mark: Mark
        var kernels: [String]
    }

    func mark(kernels: Set<String>) -> Mark {
        var sizes: [String: UInt64] = [:]
        for kernel in kernels {
            let path = logDirectory.appendingPathComponent("\(kernel).log").path
            sizes[kernel] = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64) ?? 0
        }
        return Mark(journalID: (try? journal?.lastEntry()?.id) ?? 0, logSizes: sizes, time: Date())
    }

    /// Failures of `kernels` journaled after `mark`, one line each.
    func failures(of kernels: Set<String>, since mark: Mark) -> [String] {
        guard let journal, !kernels.isEmpty else { return [] }
        var lines: [String] = []
        for kernel in kernels.sorted() {
            let entries =
                (try? journal.events(after: mark.journalID, limit: 50, kernel: kernel, kinds: Self.failures)) ?? []
            lines += entries.map { "\(kernel): \($0.event.kind?.rawValue ?? "?") at journal entry \($0.id)" }
        }
        return lines
    }

    /// Failures of `kernels` in the `window` before `mark`'s time (what "worse" compares with).
    func failuresBefore(_ kernels: Set<String>, window: Duration, mark: Mark) -> Int {
        guard let journal, !kernels.isEmpty else { return 0 }
        let since = mark.time.addingTimeInterval(-Double(window.components.seconds))
        var count = 0
        for kernel in kernels {
            let entries =
                (try? journal.events(
                    after: max(0, mark.journalID - 5000), limit: 5000, kernel: kernel, kinds: Self.failures)) ?? []
            count += entries.filter { $0.id <= mark.journalID && $0.time >= since }.count
        }
        return count
    }

    /// When the newest process of `kernel` started after `mark` (its `kernel.started` entry); nil when it was not
    /// started again.
    func newestStart(of kernel: String, since mark: Mark) -> Date? {
        (try? journal?.events(
            after: mark.journalID, limit: 1000, kernel: kernel, kinds: [JournalKind.kernelStarted.rawValue]))?
            .last?.time
    }

    /// Lines `kernel` logged after `mark`, by the process that runs the change (captured after its newest start,
    /// if it was started again), that `matches` accepts. Lines the old process wrote before it stopped may reach
    /// the file after the mark; they are not evidence against the change.
    func logLines(of kernel: String, since mark: Mark, matching matches: (String) -> Bool) -> [String] {
        let path = logDirectory.appendingPathComponent("\(kernel).log").path
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        var start = mark.logSizes[kernel] ?? 0
        if size < start { start = 0 }  // rotated: read the new file whole
        try? handle.seek(toOffset: start)
        let data = (try? handle.readToEnd()) ?? Data()
        // Records carry milliseconds: compare at that precision.
        let cutoff = (newestStart(of: kernel, since: mark) ?? mark.time).addingTimeInterval(-0.001)
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init).filter { line in
            // Records are `TIMESTAMP STREAM TEXT`, the timestamp when Grace captured the line.
            guard let stamp = line.split(separator: " ", maxSplits: 1).first.flatMap({ parser.date(from: String($0)) }),
                stamp >= cutoff
            else { return false }
            return matches(line)
        }
    }
}
