/// The bookkeeping of the reversible faults (leak, burn, silence, slow, fdleak, flood, zombies) and of the cache:
/// shared by the threads that inject them, the heartbeat, and the requests that start, stop and report them.
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
    /// Delay of every HTTP answer in milliseconds (`slow`), and until when (monotonic seconds; infinity: until
    /// /fault/stop).
    var slowMilliseconds = 0
    var slowUntil: Double?
    /// Descriptors opened by `fdleak` and never closed; the generation ends an earlier leak's thread.
    var fdleakGeneration = 0
    var leakedDescriptors: [Int32] = []
    /// Bumped by every flood start and stop; `flooding` while a flood thread runs.
    var floodGeneration = 0
    var flooding = false
    /// Children started by `zombies` and not reaped yet; the generation ends an earlier spawner.
    var zombieGeneration = 0
    var unreapedChildren: [Int32] = []
    /// What a SIGCHLD sent to the process does while children are left: reap them, or nothing.
    var reap = Fault.Reap.signal
    /// Bumped by every fill; the cache directory's file system refused a write (ENOSPC) and nothing has fit since.
    var fillGeneration = 0
    var cacheFull = false

    /// One leaked allocation. Raw pointers are not `Sendable`; this one is handed to the state once, after its
    /// pages were touched, and is only ever freed, with the state's lock held.
    struct LeakedBlock: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
    }
}
