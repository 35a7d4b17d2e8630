import GraceDSL

/// Something that happened, as the interpreter sees it. The runtime turns journal entries, probe results,
/// metric samples and log lines into events; triggers are evaluated against them.
public enum Event: Sendable, Hashable {
    /// A kernel's process ended: `code` when it exited, `signal` (`SIGKILL`, ...) when killed; `expected` when Grace
    /// stopped it (from `kernel.stopped`, with neither for a kernel that had no process), so `exit` triggers can
    /// tell a crash from a stop.
    case kernelExited(kernel: String, code: Int32?, signal: String?, expected: Bool)
    /// A kernel's process was spawned; it also restarts `silence` deadlines.
    case kernelStarted(kernel: String, pid: Int32)
    /// The restart policy restarts a kernel; `restarts` conditions count these.
    case kernelRestarting(kernel: String)
    /// The restart policy's intensity limit was breached and Grace stopped restarting the kernel (`gave_up`).
    case kernelGaveUp(kernel: String, reason: String)
    /// The health probe failed `failures` times in a row.
    case kernelUnhealthy(kernel: String, reason: String, failures: Int)
    /// A kernel's health probe passes again.
    case kernelHealthy(kernel: String)
    /// WATCHDOG=1 from a kernel over sd_notify, for `silence` conditions of kernels. Grace's own components are
    /// judged by the root's silence watch instead (`componentSilent`, `componentRecovered`).
    case heartbeat(name: String)
    /// The runtime's own watchdog deadline for a kernel passed.
    case watchdogTimeout(kernel: String)
    /// One of Grace's own components gave no heartbeat for three of its intervals (`component.silent`): its last
    /// beat was `silentFor` ago. For `silence` and `deadlock` conditions on components.
    case componentSilent(name: String, silentFor: Duration)
    /// A silent component beats again (`component.recovered`).
    case componentRecovered(name: String)
    /// Grace's root saw `members` silent together (`component.deadlock`): a `deadlock` condition over members that
    /// are all among them holds at once, whatever its `for:` (the root has judged the window already).
    case componentDeadlock(members: [String])
    /// A metric sample: `kernel` nil for host metrics. Bytes, percent points, counts or plain numbers.
    case metric(kernel: String?, metric: Metric, value: Double)
    /// One line a kernel wrote; `stream` is `stdout` or `stderr`, `text` without its newline.
    case logLine(kernel: String, stream: String, text: String)
    /// A warning- or error-level line recognised by its mined signature; follows the line's `logLine`.
    case signatureSeen(SignatureSighting)
    /// A watched file's content hash changed from its baseline.
    case fileChanged(kernel: String?, path: String)
    /// A watched certificate was read: it expires in `expiresIn` (negative once expired) at `notAfter` (ISO 8601,
    /// UTC). The runtime measures the time left against its wall clock, so conditions stay clock-free.
    case certificateChecked(kernel: String?, path: String, expiresIn: Duration, notAfter: String)
    /// A reload was refused: `path` and `code` of the first error (empty path and code `io` when unreadable).
    case configInvalid(path: String, code: String)
    /// A fleet member left without handing over (`fleet.member_lost`): its lease or its presence lapsed.
    case memberLost(instance: String, fleet: String)

    /// The kernel the event is about, if any.
    public var kernel: String? {
        switch self {
        case .kernelExited(let k, _, _, _), .kernelStarted(let k, _), .kernelRestarting(let k),
            .kernelGaveUp(let k, _), .kernelUnhealthy(let k, _, _), .kernelHealthy(let k), .watchdogTimeout(let k),
            .logLine(let k, _, _):
            return k
        case .metric(let k, _, _), .fileChanged(let k, _), .certificateChecked(let k, _, _, _):
            return k
        case .signatureSeen(let sighting):
            return sighting.kernel
        case .heartbeat, .componentSilent, .componentRecovered, .componentDeadlock, .configInvalid, .memberLost:
            return nil
        }
    }
}
