import ServiceLifecycle
import UnixSignals

/// SIGHUP reloads the configuration, as daemons do (through swift-service-lifecycle's Unix signal sequence). It is
/// what `systemctl reload grace` sends; systemd then hears `RELOADING=1` and `READY=1` around the reload.
public struct HangupReload: Component {
    let reloader: ConfigurationReloader
    let notifier: SystemdNotifier?

    /// Reloads through `reloader` on SIGHUP, telling `notifier` (systemd) when there is one.
    public init(reloader: ConfigurationReloader, notifier: SystemdNotifier? = nil) {
        self.reloader = reloader
        self.notifier = notifier
    }

    /// `sighup`, as the registry and `GET /v1/components` list it.
    public var name: String { "sighup" }

    /// Traps SIGHUP and reloads once per signal, one reload at a time, until graceful shutdown.
    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                notifier?.reloading()
                await reloader.reload(reason: "SIGHUP")
                notifier?.reloaded()
            }
        }
    }

    /// Always true: waiting for a signal is all it does.
    public func heartbeat() async -> Bool { true }
}
