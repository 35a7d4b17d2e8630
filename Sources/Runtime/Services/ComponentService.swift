import Interpreter
import Logging
import ServiceLifecycle

/// A `Component` as a swift-service-lifecycle `Service`: it registers the component, runs it, beats for it on its
/// heartbeat interval while it runs, and keeps its state in the registry (starting, running, idle, stopping,
/// stopped, failed).
public struct ComponentService: Service, CustomStringConvertible {
    /// The component it runs.
    public let component: any Component
    /// Where it keeps the component's state and heartbeats.
    public let registry: ComponentRegistry
    /// How often it asks the component for a heartbeat (a twentieth of that until the first one is answered).
    public let heartbeatInterval: Duration
    private let clock: RuntimeClock
    private let logger: Logger

    /// Wraps `component` and registers it as `starting` at once, so the registry lists every component in group
    /// order before any runs.
    public init(
        _ component: any Component, registry: ComponentRegistry, heartbeatInterval: Duration, clock: RuntimeClock,
        logger: Logger
    ) {
        self.component = component
        self.registry = registry
        self.heartbeatInterval = heartbeatInterval
        self.clock = clock
        self.logger = logger
        registry.register(component.name, heartbeatInterval: heartbeatInterval)
    }

    /// The component's name, as swift-service-lifecycle logs the service.
    public var description: String { component.name }

    /// Runs the component and its heartbeat loop. A component that returns early is `idle` until the group shuts
    /// down; one that throws is `failed` and rethrows, so that the group shuts down.
    public func run() async throws {
        let name = component.name
        let registry = registry
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [component, clock, heartbeatInterval] in
                // Until the first beat (a server not bound yet), ask again soon rather than an interval later.
                var beaten = false
                while !Task.isCancelled {
                    if await component.heartbeat() {
                        registry.beat(name)
                        beaten = true
                    }
                    try? await clock.sleep(for: beaten ? heartbeatInterval : heartbeatInterval / 20)
                }
            }
            defer { group.cancelAll() }
            registry.setState(name, .running)
            do {
                try await withGracefulShutdownHandler {
                    try await component.run()
                } onGracefulShutdown: {
                    registry.setState(name, .stopping)
                }
            } catch {
                registry.setState(name, .failed, detail: String(describing: error))
                logger.critical("component \(name) failed: \(error)")
                throw error
            }
            if !Task.isShuttingDownGracefully && !Task.isCancelled {
                // Finished early: idle until the group shuts down, so that it does not end the group.
                registry.setState(name, .idle)
                try? await gracefulShutdown()
            }
            registry.setState(name, .stopped)
        }
    }
}
