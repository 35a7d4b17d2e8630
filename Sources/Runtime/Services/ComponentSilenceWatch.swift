import Foundation
import GraceDSL
import Interpreter
import ServiceLifecycle

/// The root's watch over Grace's own components: every `tick` it reads the registry and journals
/// `component.silent` for a running component that gave no heartbeat for three of its intervals, and
/// `component.recovered` when it beats again. It runs beside the components, not inside any of them (the healer
/// may be the silent one), and is no component itself: nothing would watch it. It also marks silent components
/// in the registry, so that `GET /v1/components` shows them.
public struct ComponentSilenceWatch: Service, CustomStringConvertible {
    /// The name swift-service-lifecycle logs it by.
    public static let name = "silence-watch"

    private let registry: ComponentRegistry
    private let journal: Journal
    private let clock: RuntimeClock
    /// How often it reads the registry.
    public let tick: Duration
    /// The root, told what was journaled each tick so that it restarts silent components; nil in a test of the
    /// watch alone.
    private let tree: ComponentTree?

    /// A watch over `registry` that journals into `journal`, reading the registry every `tick` of `clock`, and
    /// tells `tree` what it journaled.
    public init(
        registry: ComponentRegistry, journal: Journal, clock: RuntimeClock, tick: Duration, tree: ComponentTree? = nil
    ) {
        self.registry = registry
        self.journal = journal
        self.clock = clock
        self.tick = tick
        self.tree = tree
    }

    /// A tick for components beating at `intervals`: half the shortest, and at least 50 ms (1 s without any).
    public static func tick(for intervals: [Duration]) -> Duration {
        max((intervals.min() ?? .seconds(2)) / 2, .milliseconds(50))
    }

    /// The name swift-service-lifecycle logs it by.
    public var description: String { Self.name }

    /// Brings the registry's `silentSince` in line with what the watch counts silent now.
    private func mark(_ components: [ComponentStatus], silent: Set<String>, events: [JournalEvent]) {
        let now = Date()
        var since: [String: Date] = [:]
        for case .componentSilent(let name, _, let quiet) in events {
            since[name] = now.addingTimeInterval(-Double(quiet.milliseconds) / 1000)
        }
        for component in components where (component.silentSince != nil) != silent.contains(component.name) {
            registry.setSilent(
                component.name, since: silent.contains(component.name) ? since[component.name] ?? now : nil)
        }
    }

    /// Reads the registry every tick until graceful shutdown or cancellation.
    public func run() async {
        await cancelWhenGracefulShutdown {
            var silence = ComponentSilence()
            while !Task.isCancelled {
                let components = registry.snapshot()
                let events = silence.observe(components, at: clock.elapsedTime)
                journal.append(events)
                mark(components, silent: silence.silent, events: events)
                if let tree, !events.isEmpty {
                    // Not awaited: a restart takes a while, and the watch keeps reading meanwhile.
                    Task { await tree.observe(events) }
                }
                do { try await clock.sleep(for: tick) } catch { return }
            }
        }
    }
}
