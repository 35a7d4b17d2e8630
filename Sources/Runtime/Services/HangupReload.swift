import ServiceLifecycle
import UnixSignals

/// SIGHUP reloads the configuration, as daemons do (through swift-service-lifecycle's Unix signal sequence).
public struct HangupReload: Component {
    let reloader: ConfigurationReloader

    /// Reloads through `reloader` on SIGHUP.
    public init(reloader: ConfigurationReloader) {
        self.reloader = reloader
    }

    /// `sighup`, as the registry and `GET /v1/components` list it.
    public var name: String { "sighup" }

    /// Traps SIGHUP and reloads once per signal, one reload at a time, until graceful shutdown.
    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                await reloader.reload(reason: "SIGHUP")
            }
        }
    }

    /// Always true: waiting for a signal is all it does.
    public func heartbeat() async -> Bool { true }
}
