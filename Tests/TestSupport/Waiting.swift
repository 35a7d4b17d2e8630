import Foundation
import Synchronization
import Testing

// Bounded waits. A test waits on an event (a journal entry, a log line, a sleeper on a manual clock), never on a
// sleep; these bound each such wait, so that a regression fails the test with what it waited for instead of
// hanging the whole run. The bounds are generous: they end hangs, they are not performance assertions, and the
// machines that run the tests are shared.
//
// Swift Testing's `.timeLimit` alone does not do this: it cancels the test's task, and a wait that ignores
// cancellation (a continuation nobody resumes) keeps the test, and `swift test`, hanging.

/// How long one wait of a test may take before the test fails.
public enum TestWait {
    /// For one event: a kernel started, a probe passed, a run ended, a line was logged.
    public static let standard: Duration = .seconds(120)
}

/// The value of `body`, or nil when it has not come within `timeout` or the waiting task is cancelled (a suite's
/// `.timeLimit`). `body` runs in a task of its own and is cancelled at the deadline; if it ignores cancellation it
/// is left behind, suspended, rather than holding the test.
public func value<T: Sendable>(within timeout: Duration, of body: @escaping @Sendable () async -> T) async -> T? {
    let race = FirstOf<T>()
    return await withTaskCancellationHandler {
        await withCheckedContinuation { continuation in
            race.begin(continuation)
            race.add(Task { race.finish(await body()) })
            race.add(
                Task {
                    try? await Task.sleep(for: timeout)
                    race.finish(nil)
                })
        }
    } onCancel: {
        race.finish(nil)
    }
}

/// Waits for `body` at most `timeout`. When it does not finish in time, records an issue that says what the test
/// waited for (`what`) and what it saw meanwhile (`context`, evaluated then), and throws, which ends the test.
public func require<T: Sendable>(
    _ what: @autoclosure () -> String, within timeout: Duration = TestWait.standard,
    context: () -> String = { "" }, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: @escaping @Sendable () async -> T
) async throws -> T {
    let arrived = await value(within: timeout, of: body)
    if let arrived { return arrived }
    let seen = context()
    let message = "waited \(timeout) for \(what())" + (seen.isEmpty ? "" : "\n\(seen)")
    return try #require(arrived, Comment(rawValue: message), sourceLocation: sourceLocation)
}

extension Task where Failure == Never {
    /// The task's value, bounded like `require`: an issue naming `what` and a thrown error when it does not come.
    public func value(
        _ what: @autoclosure () -> String, within timeout: Duration = TestWait.standard,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Success {
        try await require(what(), within: timeout, sourceLocation: sourceLocation) { await self.value }
    }
}

/// The first of two racers (the body and the deadline) to finish resumes the waiting test; the other is cancelled.
private final class FirstOf<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T?, Never>?
        var finished = false
        var racers: [Task<Void, Never>] = []
    }

    private let state = Mutex(State())

    func begin(_ continuation: CheckedContinuation<T?, Never>) {
        let cancelledAlready = state.withLock { state -> Bool in
            if state.finished { return true }
            state.continuation = continuation
            return false
        }
        if cancelledAlready { continuation.resume(returning: nil) }
    }

    func add(_ racer: Task<Void, Never>) {
        let over = state.withLock { state -> Bool in
            if !state.finished { state.racers.append(racer) }
            return state.finished
        }
        if over { racer.cancel() }
    }

    func finish(_ value: T?) {
        let (continuation, racers) = state.withLock { state -> (CheckedContinuation<T?, Never>?, [Task<Void, Never>]) in
            guard !state.finished else { return (nil, []) }
            state.finished = true
            defer {
                state.continuation = nil
                state.racers = []
            }
            return (state.continuation, state.racers)
        }
        continuation?.resume(returning: value)
        racers.forEach { $0.cancel() }
    }
}
