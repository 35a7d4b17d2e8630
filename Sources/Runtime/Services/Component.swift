/// One of Grace's own long-running parts (the supervisor, the healer, the API server, ...), as
/// `ComponentService` runs it under swift-service-lifecycle.
public protocol Component: Sendable {
    /// Its name in the registry, `/v1/components` and `components:` of the grace document.
    var name: String { get }

    /// Does the component's work until graceful shutdown (or cancellation), then winds down and returns.
    /// Returning earlier means there is nothing more to do (the component is idle until shutdown).
    func run() async throws

    /// Answers from the component's own executor (an actor's, a thread's): proof that it is not stuck. The
    /// service calls it on the heartbeat interval; each `true` is a heartbeat.
    func heartbeat() async -> Bool

    /// Whether Grace's root may cancel and run it again in-process; false for one that holds what cannot be
    /// rebuilt (the supervisor holds the kernels' processes: only re-executing Grace restarts it).
    var restartable: Bool { get }

    /// Between a cancelled run and the next: drop what the cancelled run left behind (timers, tasks) and rebuild
    /// the state the next run starts from.
    func prepareRestart() async

    /// Wedges the component's own work loop until it is restarted, as a hang would (a drill's `hang` fault);
    /// false when the component has no such loop to wedge.
    func hang() async -> Bool
}

extension Component {
    /// Restartable, unless it says otherwise.
    public var restartable: Bool { true }

    /// Nothing to rebuild, unless it says otherwise.
    public func prepareRestart() async {}

    /// No loop to wedge, unless it says otherwise.
    public func hang() async -> Bool { false }
}
