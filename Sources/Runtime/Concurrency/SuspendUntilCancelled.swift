import Synchronization

/// Suspends the current task until it is cancelled, without waking meanwhile: what a wedged loop does in a drill's
/// `hang` fault, and what a test's component does until its service is stopped. Returns at once in a task already
/// cancelled.
public func suspendUntilCancelled() async {
    let gate = CancellationGate()
    await withTaskCancellationHandler {
        await withCheckedContinuation { gate.park($0) }
    } onCancel: {
        gate.open()
    }
}

/// The continuation `suspendUntilCancelled` parks, and whether cancellation came first (then it is resumed at once).
private final class CancellationGate: Sendable {
    private struct State {
        var parked: CheckedContinuation<Void, Never>?
        var open = false
    }

    private let state = Mutex(State())

    func park(_ continuation: CheckedContinuation<Void, Never>) {
        let resumeNow = state.withLock { state -> Bool in
            if state.open { return true }
            state.parked = continuation
            return false
        }
        if resumeNow { continuation.resume() }
    }

    func open() {
        let parked = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.open = true
            defer { state.parked = nil }
            return state.parked
        }
        parked?.resume()
    }
}
