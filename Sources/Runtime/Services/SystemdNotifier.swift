import Glibc
import Interpreter
import Logging
import ServiceLifecycle
import Synchronization

/// Tells systemd how Grace itself is doing when it runs as a `Type=notify` service (systemd puts `NOTIFY_SOCKET` in
/// its environment): `READY=1` once Grace is ready, `WATCHDOG=1` every half `WATCHDOG_USEC` while Grace's supervisor
/// answers (so that systemd restarts a stuck Grace), `STOPPING=1` when Grace begins to shut down, and `RELOADING=1`
/// then `READY=1` around a reload by SIGHUP (`systemctl reload`, through `HangupReload`).
///
/// What "ready" means is the `isReady` the assembly passes: every kernel has been started in dependency order and
/// Grace's other components answer (the API listens). Not that every kernel is healthy: a kernel that never gets
/// ready is Grace's to heal, not a reason for systemd to give up on Grace.
public final class SystemdNotifier: Component {
    /// Where to notify and how often systemd expects a watchdog ping, from the variables systemd sets.
    public struct Settings: Sendable, Equatable {
        /// `NOTIFY_SOCKET`: a path, or `@name` in the abstract namespace.
        public var socket: String
        /// `WATCHDOG_USEC`; nil when systemd has no watchdog for Grace (or set it for another process).
        public var watchdog: Duration?

        /// Settings from their parts.
        public init(socket: String, watchdog: Duration?) {
            self.socket = socket
            self.watchdog = watchdog
        }

        /// The settings systemd gave this process, or nil without a `NOTIFY_SOCKET` (not run by systemd as a notify
        /// service). `WATCHDOG_USEC` counts only when `WATCHDOG_PID` is unset or is `pid`, as `sd_watchdog_enabled(3)`
        /// has it.
        public init?(environment: [String: String], pid: Int32 = getpid()) {
            guard let socket = environment["NOTIFY_SOCKET"], !socket.isEmpty else { return nil }
            self.socket = socket
            let forUs = environment["WATCHDOG_PID"].map { Int32($0) == pid } ?? true
            if forUs, let text = environment["WATCHDOG_USEC"], let usec = Int64(text), usec > 0 {
                watchdog = .microseconds(usec)
            } else {
                watchdog = nil
            }
        }
    }

    /// Where the messages go.
    public let sender: NotifySender
    /// systemd's watchdog interval; Grace pings every half of it.
    public let watchdog: Duration?
    private let isReady: @Sendable () async -> Bool
    private let isAlive: @Sendable () async -> Bool
    private let clock: RuntimeClock
    private let logger: Logger
    /// Whether `READY=1` was sent (so a reload before it does not announce readiness early).
    private let announced = Mutex(false)
    /// Set by `handingOver()`: the shutdown is a reexec, not a stop.
    private let reexecuting = Mutex(false)

    /// A notifier to `settings.socket`. `isReady` is asked every 50 ms until it answers true; `isAlive` before each
    /// watchdog ping, which is sent only when it answers true (a call that never returns sends none).
    public init(
        settings: Settings, clock: RuntimeClock, logger: Logger,
        isReady: @escaping @Sendable () async -> Bool, isAlive: @escaping @Sendable () async -> Bool
    ) throws(NotifySocketError) {
        sender = try NotifySender(path: settings.socket)
        watchdog = settings.watchdog
        self.clock = clock
        self.logger = logger
        self.isReady = isReady
        self.isAlive = isAlive
    }

    /// `systemd`, as the registry and `GET /v1/components` list it.
    public var name: String { Self.componentName }

    /// The component's name, known before one is made (readiness leaves the notifier itself out).
    public static let componentName = "systemd"

    /// Pings the watchdog from the start, announces readiness once `isReady`, and `STOPPING=1` at graceful shutdown.
    public func run() async throws {
        notify("STATUS=starting the kernels")
        await withTaskGroup(of: Void.self) { group in
            if let watchdog {
                group.addTask { await self.pingWatchdog(every: watchdog / 2) }
            }
            let ready = await cancelWhenGracefulShutdown { await self.waitUntilReady() }
            if ready {
                announced.withLock { $0 = true }
                notify("READY=1\nSTATUS=supervising")
            }
            try? await gracefulShutdown()
            if reexecuting.withLock({ $0 }) {
                notify(Self.reloading(status: "re-executing in place; the kernels keep running"))
            } else {
                notify("STOPPING=1\nSTATUS=stopping the kernels")
            }
            group.cancelAll()
        }
    }

    /// Always true: its work is on a timer.
    public func heartbeat() async -> Bool { true }

    /// `RELOADING=1` (with `MONOTONIC_USEC`, which systemd 253 and later want with it) before a reload; nothing
    /// before Grace announced readiness.
    public func reloading() {
        guard announced.withLock({ $0 }) else { return }
        notify(Self.reloading(status: "reloading the configuration"))
    }

    /// `grace reexec` was accepted: the graceful shutdown that follows says `RELOADING=1` rather than `STOPPING=1`,
    /// since the same pid comes back as a new image and says `READY=1` again.
    public func handingOver() {
        reexecuting.withLock { $0 = true }
    }

    private static func reloading(status: String) -> String {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let usec = Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
        return "RELOADING=1\nMONOTONIC_USEC=\(usec)\nSTATUS=\(status)"
    }

    /// `READY=1` after a reload, whatever its result (a refused reload leaves the old configuration running).
    public func reloaded() {
        guard announced.withLock({ $0 }) else { return }
        notify("READY=1\nSTATUS=supervising")
    }

    private func waitUntilReady() async -> Bool {
        while !Task.isCancelled {
            if await isReady() { return true }
            try? await clock.sleep(for: .milliseconds(50))
        }
        return false
    }

    private func pingWatchdog(every interval: Duration) async {
        while !Task.isCancelled {
            if await isAlive() { notify("WATCHDOG=1") }
            try? await clock.sleep(for: interval)
        }
    }

    private func notify(_ message: String) {
        do {
            try sender.send(message)
        } catch {
            logger.warning("systemd: cannot notify \(sender.path): \(error)")
        }
    }
}
