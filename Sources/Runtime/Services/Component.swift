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
}
