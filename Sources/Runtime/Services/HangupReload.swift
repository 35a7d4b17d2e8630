import ServiceLifecycle
import UnixSignals

/// SIGHUP reloads the configuration, as daemons do (through swift-service-lifecycle's Unix signal sequence).
public struct HangupReload: Component {
    let reloader: ConfigurationReloader

    public init(reloader: ConfigurationReloader) {
        self.reloader = reloader
    }

    public var name: String { "sighup" }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        try await cancelWhenGracefulShutdown {
            for await _ in signals {
                await reloader.reload(reason: "SIGHUP")
            }
        }
    }

    public func heartbeat() async -> Bool { true }
}
