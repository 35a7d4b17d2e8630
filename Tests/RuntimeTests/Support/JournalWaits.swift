import Foundation
import Interpreter
import TestSupport
import Testing

@testable import Runtime

/// `Journal.waitForEntry` with a deadline, for tests: the wait ends as soon as the entry is journaled; when it is
/// not within the bound (`TestWait.standard`), the test fails with an issue that says what it waited for and the
/// newest entries of the journal, instead of hanging. (The journal's own wait has no deadline: Grace waits on
/// entries that may never come, by design. On a timeout its waiter stays registered; the test has failed anyway.)
extension Journal {
    /// The first entry of `kind` (about `kernel`, when given) after `afterID`.
    func requireEntry(
        kind: JournalKind, kernel: String? = nil, after afterID: Int64 = 0,
        within timeout: Duration = TestWait.standard,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> JournalEntry {
        try await requireEntry(
            "\(kind.rawValue)" + (kernel.map { " about \($0)" } ?? ""), after: afterID, within: timeout,
            sourceLocation: sourceLocation
        ) { $0.kind == kind.rawValue && (kernel == nil || $0.kernel == kernel) }
    }

    /// The first entry after `afterID` that matches; `what` says in the failure what that is.
    func requireEntry(
        _ what: String, after afterID: Int64 = 0, within timeout: Duration = TestWait.standard,
        sourceLocation: SourceLocation = #_sourceLocation, _ match: @escaping @Sendable (JournalEntry) -> Bool
    ) async throws -> JournalEntry {
        try await require(
            "a journal entry \(what) after #\(afterID)", within: timeout, context: { self.newestEntries() },
            sourceLocation: sourceLocation
        ) { await self.waitForEntry(after: afterID, match) }
    }

    /// The last entries, one a line, for a failure message.
    func newestEntries(_ count: Int64 = 25) -> String {
        guard let last = try? store.lastEntry() else { return "the journal is empty" }
        let entries = (try? store.events(after: max(0, last.id - count), limit: Int(count))) ?? []
        let lines = entries.map { entry in
            let fields = entry.fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            return "  #\(entry.id) \(entry.kind) \(entry.kernel ?? "-") \(fields)"
        }
        return "newest journal entries:\n" + lines.joined(separator: "\n")
    }
}
