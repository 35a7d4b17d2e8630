import Interpreter
import Logging
import ServiceLifecycle

/// A `Component` as a swift-service-lifecycle `Service`: it registers the component, runs it, beats for it on its
/// heartbeat interval while it runs, and keeps its state in the registry (starting, running, idle, stopping,
/// stopped, failed).
public struct ComponentService: Service, CustomStringConvertible {
    public let component: any Component
    public let registry: ComponentRegistry
    public let heartbeatInterval: Duration
    private let clock: RuntimeClock
    private let logger: Logger

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

    public var description: String { component.name }

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
