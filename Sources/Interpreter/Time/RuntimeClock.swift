/// Monotonic time as Grace's runtime keeps it: a `Clock` whose instants are offsets from the moment the clock
/// was made. State machines keep plain `Duration`s (`now` since the origin) instead of a clock's own instant type,
/// and any clock fits underneath: the continuous clock in `grace run`, a manual clock in tests.
public struct RuntimeClock: Clock, Sendable {
    /// A point in time as an offset from the clock's origin; meaningful only for the clock that made it.
    public struct Instant: InstantProtocol, Hashable, Sendable {
        /// Time since the clock's origin.
        public var offset: Duration

        /// The instant `offset` after the origin.
        public init(offset: Duration) {
            self.offset = offset
        }

        /// The instant `duration` later (earlier when negative).
        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        /// The time from this instant to `other` (negative when `other` is earlier).
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        /// Earlier instants first.
        public static func < (a: Instant, b: Instant) -> Bool { a.offset < b.offset }
    }

    private let elapsed: @Sendable () -> Duration
    private let sleeper: @Sendable (Duration, Duration?) async throws -> Void
    /// The base clock's resolution.
    public let minimumResolution: Duration

    /// Wraps `base`; its current instant becomes this clock's origin.
    public init<C: Clock & Sendable>(_ base: C) where C.Duration == Duration, C.Instant: Sendable {
        let origin = base.now
        elapsed = { origin.duration(to: base.now) }
        sleeper = { offset, tolerance in try await base.sleep(until: origin.advanced(by: offset), tolerance: tolerance)
        }
        minimumResolution = base.minimumResolution
    }

    /// The continuous clock (it keeps counting while the machine sleeps), from now.
    public static func continuous() -> RuntimeClock { RuntimeClock(ContinuousClock()) }

    /// The current instant: the time elapsed since the origin.
    public var now: Instant { Instant(offset: elapsed()) }

    /// Time since the clock's origin: `now.offset`.
    public var elapsedTime: Duration { elapsed() }

    /// Suspends until `deadline` (at once for one already past); throws when the task is cancelled.
    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try await sleeper(deadline.offset, tolerance)
    }

    /// Sleeps until `offset` since the origin (returns at once for a time already past).
    public func sleep(untilOffset offset: Duration) async throws {
        try await sleeper(offset, nil)
    }
}
