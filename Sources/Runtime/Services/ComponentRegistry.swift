import Foundation
import Synchronization

/// Where one of Grace's own components is in its life.
public enum ComponentState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Registered, not yet running.
    case starting
    /// Doing its work.
    case running
    /// Done with its work but not shut down (a snapshotter without a schedule).
    case idle
    /// Graceful shutdown began; winding down.
    case stopping
    /// Its run returned after graceful shutdown.
    case stopped
    /// Threw; the group shuts down (`detail` has the error).
    case failed
}

/// One component as `grace components` and `GET /v1/components` show it.
public struct ComponentStatus: Sendable, Hashable {
    /// The component's name (`supervisor`, `healer`, `api`, ...).
    public var name: String
    /// Where it is in its life.
    public var state: ComponentState
    /// Since when it is in `state`.
    public var since: Date
    /// Its last heartbeat: the moment it last answered from its own executor; nil before the first.
    public var lastHeartbeat: Date?
    /// How often it is expected to beat.
    public var heartbeatInterval: Duration
    /// How many heartbeats it has given: the silence watch notices a beat by this count changing, on its own clock.
    public var beats: Int
    /// How many times Grace's root (or a playbook, or an operator) restarted it since Grace started.
    public var restarts: Int = 0
    /// When it was last restarted; nil before the first restart.
    public var lastRestart: Date?
    /// Since when it is silent (its last heartbeat, as the silence watch saw it), while the watch counts it silent
    /// (`component.silent` journaled, no `component.recovered` yet); nil otherwise.
    public var silentSince: Date?
    /// Why it failed, or what it is doing.
    public var detail: String?

    /// Makes a status from its parts.
    public init(
        name: String, state: ComponentState, since: Date, lastHeartbeat: Date? = nil, heartbeatInterval: Duration,
        beats: Int = 0, silentSince: Date? = nil, detail: String? = nil
    ) {
        self.name = name
        self.state = state
        self.since = since
        self.lastHeartbeat = lastHeartbeat
        self.heartbeatInterval = heartbeatInterval
        self.beats = beats
        self.silentSince = silentSince
        self.detail = detail
    }
}

/// The state and last heartbeat of each of Grace's own components, written by their services and read by the API.
/// A lock rather than an actor: beats come from every component's heartbeat loop and must never queue behind a
/// reader.
public final class ComponentRegistry: Sendable {
    private let components = Mutex<[String: ComponentStatus]>([:])
    /// Registration order, which is the order of the service group.
    private let order = Mutex<[String]>([])

    /// An empty registry; `ComponentService` registers each component when it is made.
    public init() {}

    /// Adds a component in the `starting` state (again, when it is registered twice).
    public func register(_ name: String, heartbeatInterval: Duration) {
        let now = Date()
        components.withLock {
            $0[name] = ComponentStatus(name: name, state: .starting, since: now, heartbeatInterval: heartbeatInterval)
        }
        order.withLock { if !$0.contains(name) { $0.append(name) } }
    }

    /// Moves a registered component to `state` (`since` changes only when the state does) and sets its detail;
    /// an unknown name is ignored. Callable from any thread.
    public func setState(_ name: String, _ state: ComponentState, detail: String? = nil) {
        let now = Date()
        components.withLock { all in
            guard var status = all[name] else { return }
            if status.state != state { status.since = now }
            status.state = state
            status.detail = detail
            all[name] = status
        }
    }

    /// Records a heartbeat of `name` now; an unknown name is ignored. Callable from any thread, never blocks long.
    public func beat(_ name: String) {
        let now = Date()
        components.withLock { all in
            guard var status = all[name] else { return }
            status.lastHeartbeat = now
            status.beats += 1
            all[name] = status
        }
    }

    /// Counts a restart of `name` now (its new run is in its state since now); an unknown name is ignored.
    public func noteRestart(_ name: String) {
        let now = Date()
        components.withLock { all in
            all[name]?.restarts += 1
            all[name]?.lastRestart = now
            all[name]?.since = now
        }
    }

    /// Marks `name` silent since `since`, or no longer silent with nil; an unknown name is ignored.
    public func setSilent(_ name: String, since: Date?) {
        components.withLock { $0[name]?.silentSince = since }
    }

    /// Every component, in the order they were registered.
    public func snapshot() -> [ComponentStatus] {
        let names = order.withLock { $0 }
        return components.withLock { all in names.compactMap { all[$0] } }
    }

    /// The status of `name`; nil when no component of that name was registered.
    public func status(of name: String) -> ComponentStatus? { components.withLock { $0[name] } }
}
