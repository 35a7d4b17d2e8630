/// Something that happened, as the interpreter sees it. The runtime turns journal entries, probe results,
/// metric samples and log lines into events; triggers are evaluated against them.
public enum Event: Sendable, Hashable {
    case kernelExited(kernel: String, code: Int32?, signal: String?, expected: Bool)
    case kernelStarted(kernel: String, pid: Int32)
    case kernelRestarting(kernel: String)
    /// The health probe failed `failures` times in a row.
    case kernelUnhealthy(kernel: String, reason: String, failures: Int)
    case kernelHealthy(kernel: String)
    /// A heartbeat: sd_notify WATCHDOG=1 from a kernel, or a component's own heartbeat.
    case heartbeat(name: String)
    /// The runtime's own watchdog deadline for a kernel passed.
    case watchdogTimeout(kernel: String)
    case componentHealth(name: String, healthy: Bool)
    /// A metric sample: `kernel` nil for host metrics. Bytes, percent points, counts or plain numbers.
    case metric(kernel: String?, metric: Metric, value: Double)
    case logLine(kernel: String, stream: String, text: String)
    /// A warning- or error-level line recognised by its mined signature; follows the line's `logLine`.
    case signatureSeen(SignatureSighting)
    /// A watched file's content hash changed from its baseline.
    case fileChanged(kernel: String?, path: String)
    case configInvalid(path: String, code: String)
    case memberLost(instance: String, fleet: String)

    /// The kernel the event is about, if any.
    public var kernel: String? {
        switch self {
        case .kernelExited(let k, _, _, _), .kernelStarted(let k, _), .kernelRestarting(let k),
            .kernelUnhealthy(let k, _, _), .kernelHealthy(let k), .watchdogTimeout(let k), .logLine(let k, _, _):
            return k
        case .metric(let k, _, _), .fileChanged(let k, _):
            return k
        case .signatureSeen(let sighting):
            return sighting.kernel
        case .heartbeat, .componentHealth, .configInvalid, .memberLost:
            return nil
        }
    }
}

import GraceDSL
