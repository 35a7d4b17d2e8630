import Interpreter

/// Which of Grace's own components are silent: running, yet without a heartbeat for `ComponentSilence.intervals`
/// of their heartbeat intervals. A plain state machine: `observe` takes what the registry says at an instant and
/// returns the journal events due (`component.silent` once per silence, `component.recovered` at the next beat);
/// `ComponentSilenceWatch` feeds it on a timer and journals them. A beat is noticed by the registry's beat count
/// changing between two observations, so time is only ever the watch's clock.
public struct ComponentSilence: Sendable {
    /// How many heartbeat intervals without a beat make a component silent.
    public static let intervals = 3

    private struct Track: Sendable {
        /// The beat count last seen.
        var beats: Int
        /// When that count was first seen (or the component first seen running): the last beat, as far as the
        /// watch knows.
        var since: Duration
        var silent: Bool
    }

    private var tracks: [String: Track] = [:]
    /// Components that were silent when they stopped running, with the start of their silence.
    private var silentSince: [String: Duration] = [:]

    /// No component seen yet.
    public init() {}

    /// The components silent now, by name.
    public var silent: Set<String> { Set(tracks.filter(\.value.silent).keys) }

    /// Takes the registry's `components` as they are at `now` (the watch's clock) and returns what to journal.
    /// Only running components are judged: one starting, idle or shutting down may have nothing to beat for, and
    /// one that stops running is forgotten, unless it was silent: then, once it runs again, its first beat is a
    /// `component.recovered`.
    public mutating func observe(_ components: [ComponentStatus], at now: Duration) -> [JournalEvent] {
        var events: [JournalEvent] = []
        var seen: Set<String> = []
        for component in components where component.state == .running {
            seen.insert(component.name)
            let period = component.heartbeatInterval
            guard var track = tracks[component.name] else {
                let since = silentSince.removeValue(forKey: component.name)
                tracks[component.name] = Track(beats: component.beats, since: since ?? now, silent: since != nil)
                continue
            }
            if component.beats != track.beats {
                if track.silent {
                    events.append(
                        .componentRecovered(component: component.name, period: period, silent: now - track.since))
                }
                track = Track(beats: component.beats, since: now, silent: false)
            } else if !track.silent && now - track.since >= period * Self.intervals {
                track.silent = true
                events.append(.componentSilent(component: component.name, period: period, silent: now - track.since))
            }
            tracks[component.name] = track
        }
        // A silent component that stops running (the root is restarting it) is remembered as silent: when it runs
        // again, its first beat is its `component.recovered`. Forgotten, it would never be said to have recovered.
        for (name, track) in tracks where track.silent && !seen.contains(name) { silentSince[name] = track.since }
        tracks = tracks.filter { seen.contains($0.key) }
        return events
    }
}
