/// The bookkeeping of the reversible faults (leak, burn, silence): shared by the threads that leak and burn, the
/// heartbeat, and the requests that start, stop and report them.
struct FaultState {
    /// Monotonic seconds until which no WATCHDOG=1 is sent; infinity: until /fault/stop.
    var silenceUntil: Double?
    /// Bumped by every leak start and stop, so that the thread of an earlier leak ends.
    var leakGeneration = 0
    var leaking = false
    var leakedBlocks: [LeakedBlock] = []
    var leakedMiB = 0
    /// Bumped by every burn start and stop, so that the threads of earlier burns end.
    var burnGeneration = 0
    var burningThreads = 0
    /// The burn loops' results, kept so that the loops are not optimized away.
    var burnSink: UInt64 = 0
    /// Configuration parameters `GET /call` requires in the environment, with the value its error suggests
    /// (`POST /fault/require`; also in `<data>/required-parameters`, so a restart keeps them).
    var requiredParameters: [(name: String, example: String)] = []

    /// One leaked allocation. Raw pointers are not `Sendable`; this one is handed to the state once, after its
    /// pages were touched, and is only ever freed, with the state's lock held.
    struct LeakedBlock: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
    }
}
