import GraceDSL
import Interpreter

/// What the runtime observes, as the events triggers are evaluated against: journal entries by their typed
/// event, metric samples as one event per metric (a passing probe's duration as `latency`), log lines and
/// heartbeats as they are.
enum ObservedEvents {
    static func events(from observation: Observation, graph: ExecutionGraph) -> [Event] {
        switch observation {
        case .journal(let entry):
            return events(from: entry.event)
        case .heartbeat(let kernel):
            return [.heartbeat(name: kernel)]
        case .log(let line):
            return [.logLine(kernel: line.kernel, stream: line.stream.rawValue, text: line.text)]
        case .probe(let kernel, let latency, let healthy):
            // How long an answer took; a probe that failed (a timeout, a refusal) is the health condition's.
            guard healthy else { return [] }
            let seconds = Double(latency.components.seconds) + Double(latency.components.attoseconds) * 1e-18
            return [.metric(kernel: kernel, metric: .latency, value: seconds)]
        case .metrics(let kernel, let m):
            var events: [Event] = [
                .metric(kernel: kernel, metric: .cpu, value: m.cpuPercent),
                .metric(kernel: kernel, metric: .memory_rss, value: Double(m.rssBytes)),
                .metric(kernel: kernel, metric: .open_fds, value: Double(m.openFDs)),
                .metric(kernel: kernel, metric: .threads, value: Double(m.threads)),
                .metric(kernel: kernel, metric: .zombies, value: Double(m.zombies)),
            ]
            // Only against a limit that is enforced: without a cgroup there is none, whatever the kernel declares.
            if let percent = m.memoryPercent { events.append(.metric(kernel: kernel, metric: .memory, value: percent)) }
            if let percent = m.descriptorPercent {
                events.append(.metric(kernel: kernel, metric: .fd_usage, value: percent))
            }
            if let rate = m.logLinesPerSecond { events.append(.metric(kernel: kernel, metric: .log_rate, value: rate)) }
            return events
        case .host(let h):
            var events: [Event] = [
                .metric(kernel: nil, metric: .host_memory, value: h.memoryUsedPercent),
                .metric(kernel: nil, metric: .host_load1, value: h.load1),
                .metric(kernel: nil, metric: .disk_free, value: Double(h.diskFreeBytes)),
            ]
            if let cpu = h.cpuPercent { events.append(.metric(kernel: nil, metric: .host_cpu, value: cpu)) }
            if let jump = h.clockJumpSeconds { events.append(.metric(kernel: nil, metric: .clock_jump, value: jump)) }
            return events
        case .configuration:
            return []
        }
    }

    static func events(from event: JournalEvent) -> [Event] {
        switch event {
        case .kernelExited(let kernel, _, let status, _):
            return [.kernelExited(kernel: kernel, code: status.code, signal: status.signalName, expected: false)]
        case .kernelStopped(let kernel, _, let status, _):
            return [.kernelExited(kernel: kernel, code: status?.code, signal: status?.signalName, expected: true)]
        case .kernelStarted(let kernel, let pid):
            return [.kernelStarted(kernel: kernel, pid: pid)]
        case .kernelRestarting(let kernel, _, _):
            return [.kernelRestarting(kernel: kernel)]
        case .kernelGaveUp(let kernel, let reason):
            return [.kernelGaveUp(kernel: kernel, reason: reason)]
        case .kernelUnhealthy(let kernel, let reason, let failures):
            return [.kernelUnhealthy(kernel: kernel, reason: reason, failures: failures)]
        case .kernelHealthy(let kernel):
            return [.kernelHealthy(kernel: kernel)]
        case .kernelWatchdogTimeout(let kernel, _):
            return [.watchdogTimeout(kernel: kernel)]
        case .configInvalid(_, _, _, let file, let code):
            return [.configInvalid(path: file, code: code)]
        case .configUnreadable:
            return [.configInvalid(path: "", code: "io")]
        case .componentSilent(let component, _, let silent):
            return [.componentSilent(name: component, silentFor: silent)]
        case .componentRecovered(let component, _, _):
            return [.componentRecovered(name: component)]
        case .componentDeadlock(let members):
            return [.componentDeadlock(members: members)]
        case .fleet(.memberLost, let fleet, let instance, _):
            return [.memberLost(instance: instance, fleet: fleet)]
        default:
            return []
        }
    }

    /// Whether an event means its kernel is not healed (for judging whether a run healed).
    static func isTrouble(_ event: JournalEvent) -> Bool {
        switch event {
        case .kernelExited, .kernelUnhealthy, .kernelWatchdogTimeout, .kernelStartTimeout, .kernelGaveUp: true
        default: false
        }
    }
}
