import Interpreter
import Logging
import ServiceLifecycle

/// A `Component` as a swift-service-lifecycle `Service`: it registers the component, runs it, beats for it on its
/// heartbeat interval while it runs, and keeps its state in the registry (starting, running, idle, stopping,
/// stopped, failed). Under a `ComponentTree` (Grace's root) it is also where restarts happen: on the root's order
/// it cancels the component's run, lets the component rebuild itself (`prepareRestart`) and runs it again; a run
/// that throws is started again while the root allows it, and otherwise left failed while the rest of Grace goes
/// on. Without a tree, a run that throws shuts the group down, as before the tree existed.
public struct ComponentService: Service, CustomStringConvertible {
    /// What reaches a component's service while the component runs.
    enum Signal: Sendable {
        /// Its run returned.
        case returned
        /// Its run threw.
        case threw(String)
        /// The root's order.
        case restart(reason: String, by: String)
        /// Graceful shutdown began.
        case shutdown
        /// A cancelled run did not end in time; it is left behind.
        case abandoned
    }

    /// The component it runs.
    public let component: any Component
    /// Where it keeps the component's state and heartbeats.
    public let registry: ComponentRegistry
    /// How often it asks the component for a heartbeat (a twentieth of that until the first one is answered).
    public let heartbeatInterval: Duration
    /// The root that restarts the component; nil for a component that is not restarted (a test's).
    public let tree: ComponentTree?
    private let clock: RuntimeClock
    private let logger: Logger

    /// Wraps `component` and registers it as `starting` at once, so the registry lists every component in group
    /// order before any runs.
    public init(
        _ component: any Component, registry: ComponentRegistry, heartbeatInterval: Duration, clock: RuntimeClock,
        logger: Logger, tree: ComponentTree? = nil
    ) {
        self.component = component
        self.registry = registry
        self.heartbeatInterval = heartbeatInterval
        self.clock = clock
        self.logger = logger
        self.tree = tree
        registry.register(component.name, heartbeatInterval: heartbeatInterval)
    }

    /// The component's name, as swift-service-lifecycle logs the service.
    public var description: String { component.name }

    /// Runs the component (again, on each order of the root) and its heartbeat loop. A component that returns
    /// early is `idle` until the group shuts down; one that throws is started again while the root allows it, and
    /// is otherwise `failed` (without a root it rethrows, so that the group shuts down).
    public func run() async throws {
        let name = component.name
        let (signals, post) = AsyncStream<Signal>.makeStream()
        await tree?.attach(
            name, restartable: component.restartable, interval: heartbeatInterval, mailbox: post,
            hang: { [component] in await component.hang() })
        try await withGracefulShutdownHandler {
            try await supervise(signals: signals, post: post)
        } onGracefulShutdown: {
            post.yield(.shutdown)
        }
        post.finish()
    }

    private func supervise(signals: AsyncStream<Signal>, post: AsyncStream<Signal>.Continuation) async throws {
        let name = component.name
        var incoming = signals.makeAsyncIterator()
        var incarnation = 1
        var shuttingDown = false
        while true {
            let (run, beats) = start(post: post)
            registry.setState(name, .running)
            var signal = await Self.next(&incoming)
            var ended = false
            // A finished run waits here for what comes next: shutdown, or a restart (an idle component too).
            if case .returned = signal, !shuttingDown, !Task.isShuttingDownGracefully {
                ended = true
                registry.setState(name, .idle)
                signal = await Self.next(&incoming)
                guard case .restart = signal else {
                    beats.cancel()
                    registry.setState(name, .stopped)
                    return
                }
            }
            switch signal {
            case .shutdown:
                shuttingDown = true
                registry.setState(name, .stopping)
                // The component winds down by itself (it sees the graceful shutdown too).
                _ = await Self.next(&incoming)
                beats.cancel()
                registry.setState(name, .stopped)
                return
            case .abandoned, .returned:
                beats.cancel()
                registry.setState(name, .stopped)
                return
            case .threw(let error):
                beats.cancel()
                registry.setState(name, .failed, detail: error)
                logger.critical("component \(name) failed: \(error)")
                guard let tree else { throw ComponentFailure(component: name, message: error) }
                var reason = "failed: \(error)"
                var by = "root"
                if Task.isShuttingDownGracefully { return }
                if await !tree.failed(name, error: error) {
                    // Given up (journaled by the root): the rest of Grace goes on without it, until an operator
                    // restarts it or Grace shuts down.
                    guard case .restart(let why, let who) = await Self.next(&incoming) else { return }
                    (reason, by) = (why, who)
                }
                let began = clock.elapsedTime
                await component.prepareRestart()
                incarnation += 1
                await tree.restarted(
                    name, incarnation: incarnation, reason: reason, by: by, took: clock.elapsedTime - began)
            case .restart(let reason, let by):
                let began = clock.elapsedTime
                // Still `running` to the silence watch, which then sees the new run's first beat as a recovery.
                registry.setState(name, .running, detail: "restarting: \(reason)")
                run.cancel()
                beats.cancel()
                // Wait for the cancelled run, but not for ever: a run stuck beyond cancellation is left behind.
                let timeout = Task { [clock, heartbeatInterval, ended] in
                    if ended { return }
                    guard (try? await clock.sleep(for: max(heartbeatInterval, .seconds(1)))) != nil else { return }
                    post.yield(.abandoned)
                }
                wait: while !ended, let next = await incoming.next() {
                    switch next {
                    case .returned, .threw, .abandoned: break wait
                    case .shutdown:
                        shuttingDown = true
                        break wait
                    case .restart: continue
                    }
                }
                timeout.cancel()
                if shuttingDown {
                    registry.setState(name, .stopped)
                    return
                }
                await component.prepareRestart()
                incarnation += 1
                await tree?.restarted(
                    name, incarnation: incarnation, reason: reason, by: by, took: clock.elapsedTime - began)
            }
        }
    }

    /// The next signal that matters (a stale timeout of an earlier restart does not); shutdown at the end.
    private static func next(_ incoming: inout AsyncStream<Signal>.AsyncIterator) async -> Signal {
        while let signal = await incoming.next() {
            if case .abandoned = signal { continue }
            return signal
        }
        return .shutdown
    }

    /// Starts one run of the component (its end posted as `returned` or `threw`) and its heartbeat loop.
    private func start(post: AsyncStream<Signal>.Continuation) -> (run: Task<Void, Never>, beats: Task<Void, Never>) {
        let name = component.name
        let run = Task { [component] in
            do {
                try await component.run()
                post.yield(.returned)
            } catch {
                post.yield(Task.isCancelled ? .returned : .threw(String(describing: error)))
            }
        }
        let beats = Task { [component, registry, clock, heartbeatInterval, tree] in
            // Until the first beat (a server not bound yet), ask again soon rather than an interval later.
            var beaten = false
            while !Task.isCancelled {
                if await component.heartbeat() {
                    guard !Task.isCancelled else { return }
                    registry.beat(name)
                    if !beaten { await tree?.beganBeating(name) }
                    beaten = true
                }
                try? await clock.sleep(for: beaten ? heartbeatInterval : heartbeatInterval / 20)
            }
        }
        return (run, beats)
    }
}

/// A component's run threw, in a Grace without a root to restart it.
public struct ComponentFailure: Error, CustomStringConvertible {
    /// The component.
    public var component: String
    /// What it threw.
    public var message: String

    /// `component NAME failed: MESSAGE`.
    public var description: String { "component \(component) failed: \(message)" }
}
