/// A fault to rehearse, and the recovery expected of Grace.
public struct ChaosScenario: Sendable, Hashable {
    /// The fault a drill injects. Each is done for real by the drill runner (`grace chaos`): signals, files,
    /// mounts, nftables rules, processes; `via` and `failpoint` ask the kernel itself through a fault-injection
    /// endpoint (as gofail's failpoints do) for what only the process can do to itself.
    public enum Fault: Sendable, Hashable {
        /// A kernel's own fault-injection endpoint: POST `url` to inject, POST `undo` (if any) when the drill ends.
        public struct Endpoint: Sendable, Hashable {
            public var url: Located<String>
            public var undo: Located<String>?

            public init(url: Located<String>, undo: Located<String>?) {
                self.url = url
                self.undo = undo
            }
        }

        /// A signal to the kernel's main process (SIGKILL by default).
        case kill(Located<String>, signal: Signal?)
        /// SIGSTOP to the kernel's process group: alive, but answering nothing.
        case hang(Located<String>)
        /// Garbage over the middle of a file of the kernel's declared data (the first file when none is named).
        case corrupt(Located<String>, file: Located<String>?)
        /// A playbook's document edited so that it no longer compiles.
        case corruptPlaybook(Located<String>)
        /// The kernel made to hold memory: through `via`, else stress-ng in the kernel's cgroup.
        case exhaustMemory(Located<String>, size: ByteSize?, via: Endpoint?)
        /// The kernel made to spin: through `via`, else stress-ng in the kernel's cgroup.
        case exhaustCPU(Located<String>, via: Endpoint?)
        /// The kernel's watchdog heartbeat stopped while it keeps serving (only the process can: `via` is required).
        case silence(Located<String>, via: Endpoint?)
        /// SIGKILL to another Grace instance of the fleet.
        case killInstance(Located<String>)
        /// An error line written into the kernel's output stream, in the kernel's log format.
        case emitError(Located<String>, line: Located<String>?)
        /// A size-limited filesystem mounted over one of the kernel's directories, then filled; `via` (if any) then
        /// makes the kernel write there.
        case diskFull(Located<String>, path: Located<String>?, size: ByteSize?, via: Endpoint?)
        /// Another process binds the kernel's port, then the kernel is killed: its restart finds the port taken.
        case bindPort(Located<String>, port: Int?)
        /// nftables drops every packet to the kernel's ports for `duration` (20 s by default): its clients and
        /// probes see it gone, then it is back.
        case partition(Located<String>, duration: Duration?)
        /// Every new local connection to the kernel's ports (or `port`) goes through a proxy that holds each piece
        /// of data `by` (200ms by default) each way, and the connection's start too, for `duration` (30s): a slow
        /// network to a dependency, as netem's delay would make it.
        case delay(Located<String>, by: Duration?, port: Int?, duration: Duration?)
        /// stress-ng saturates the host: `cpu` workers, `memory` held, for `duration`.
        case stress(Located<String>, cpu: Int?, memory: ByteSize?, duration: Duration?)
        /// A burst of `count` copies of an error line in the kernel's output (a trigger storm).
        case storm(Located<String>, line: Located<String>?, count: Int?)
        /// The kernel's own fault endpoint: POST `url` to inject, POST `undo` (if any) to roll back.
        case failpoint(Located<String>, Endpoint)

        /// Every fault keyword, in the order the documentation lists them.
        public static let keywords = [
            "kill", "hang", "corrupt", "corrupt_playbook", "exhaust_memory", "exhaust_cpu", "silence",
            "kill_instance", "emit_error", "disk_full", "bind_port", "partition", "delay", "stress", "storm",
            "failpoint",
        ]

        /// The keys each fault keyword takes beside itself.
        public static let fields: [String: [String]] = [
            "kill": ["signal"], "corrupt": ["file"], "exhaust_memory": ["size", "via", "undo"],
            "exhaust_cpu": ["via", "undo"], "silence": ["via", "undo"], "emit_error": ["line"],
            "disk_full": ["path", "size", "via", "undo"], "bind_port": ["port"],
            "partition": ["for"], "delay": ["by", "port", "for"], "stress": ["cpu", "memory", "for"],
            "storm": ["line", "count"],
            "failpoint": ["url", "undo"],
        ]

        public var keyword: String {
            switch self {
            case .kill: "kill"
            case .hang: "hang"
            case .corrupt: "corrupt"
            case .corruptPlaybook: "corrupt_playbook"
            case .exhaustMemory: "exhaust_memory"
            case .exhaustCPU: "exhaust_cpu"
            case .silence: "silence"
            case .killInstance: "kill_instance"
            case .emitError: "emit_error"
            case .diskFull: "disk_full"
            case .bindPort: "bind_port"
            case .partition: "partition"
            case .delay: "delay"
            case .stress: "stress"
            case .storm: "storm"
            case .failpoint: "failpoint"
            }
        }

        /// The thing the fault is injected into, and what kind of thing it must be (`stress` takes `host`, a
        /// string).
        public var target: (name: Located<String>, type: ValueType) {
            switch self {
            case .kill(let k, _), .hang(let k), .corrupt(let k, _), .exhaustMemory(let k, _, _), .exhaustCPU(let k, _),
                .silence(let k, _), .emitError(let k, _), .diskFull(let k, _, _, _), .bindPort(let k, _),
                .partition(let k, _), .delay(let k, _, _, _), .storm(let k, _, _), .failpoint(let k, _):
                (k, .kernel)
            case .corruptPlaybook(let p): (p, .playbook)
            case .killInstance(let i): (i, .instance)
            case .stress(let h, _, _, _): (h, .string)
            }
        }

        /// The fault in a few words, for lists and reports (`SIGKILL to api`).
        public var summary: String {
            let t = target.name.value
            switch self {
            case .kill(_, let s): return "\(s?.description ?? "SIGKILL") to \(t)"
            case .hang: return "SIGSTOP to \(t)'s process group"
            case .corrupt(_, let f): return "garbage over \(f?.value ?? "\(t)'s data")"
            case .corruptPlaybook: return "playbook \(t)'s document broken"
            case .exhaustMemory(_, let size, _): return "\(t) holds \(size?.description ?? "memory")"
            case .exhaustCPU: return "\(t) spins a core"
            case .silence: return "\(t)'s watchdog heartbeat stops"
            case .killInstance: return "SIGKILL to instance \(t)"
            case .emitError: return "an error line in \(t)'s output"
            case .diskFull(_, let p, let s, _):
                return "\(p?.value ?? "\(t)'s data") on a full \(s?.description ?? "8MiB") filesystem"
            case .bindPort(_, let p): return "another process holds \(t)'s port \(p.map(String.init) ?? "")"
            case .partition(_, let d):
                return "\(t)'s ports cut off (nftables) for \(d.map(DurationParser.format) ?? "20s")"
            case .delay(_, let by, let p, let d):
                return
                    "\(t)'s \(p.map { "port \($0)" } ?? "ports") delayed \(DurationParser.format(by ?? .milliseconds(200))) "
                    + "each way for \(DurationParser.format(d ?? .seconds(30)))"
            case .stress(_, let c, let m, let d):
                let parts = [c.map { "\($0) CPU workers" }, m.map { "\($0) held" }].compactMap { $0 }
                return "host saturated (\(parts.isEmpty ? "all CPUs" : parts.joined(separator: ", ")))"
                    + (d.map { " for " + DurationParser.format($0) } ?? "")
            case .storm(_, _, let n): return "\(n ?? 200) error lines at once in \(t)'s output"
            case .failpoint(_, let e): return "\(t)'s failpoint \(e.url.value)"
            }
        }
    }

    public struct Expectation: Sendable, Hashable {
        public var trigger: Located<String>?
        public var playbook: Located<String>?
        public var healthy: [Located<String>] = []
        public var within: Duration?
    }

    /// A check of the drill's own, beside Grace's view of its kernels (LitmusChaos's http, cmd and Prometheus
    /// probes, and its modes): it passes or fails the drill, and its checks are counted in the report.
    public struct Probe: Sendable, Hashable {
        /// When the probe is checked (LitmusChaos's SOT, EOT, Edge, Continuous and OnChaos).
        public enum Mode: String, Sendable, Hashable, CaseIterable {
            /// Once, as part of the steady state before the fault: failing, the drill is aborted.
            case start
            /// Once, as part of the steady state after the rollbacks: failing, the drill deviated.
            case end
            /// Both `start` and `end`.
            case edge
            /// Every `every`, from the steady state before the fault to the one after the rollbacks.
            case continuous
            /// Every `every`, from the fault until recovery (or the deadline).
            case onChaos = "on_chaos"

            /// Whether the probe is checked repeatedly, so that `every` and `at_least` apply.
            public var repeated: Bool { self == .continuous || self == .onChaos }
        }

        /// What one check does.
        public enum Check: Sendable, Hashable {
            /// GET the URL: passes on `status` (any 2xx or 3xx when nil).
            case http(Located<String>, status: Int?)
            /// Run the command in the configuration root: passes on exit `status` (0 when nil).
            case cmd(Located<Command>, status: Int?)
            /// Ask the Prometheus server at the URL for the PromQL `query` (its `/api/v1/query`): passes when it
            /// returns at least one sample and every sample is below `below` and above `above` (at least one of
            /// the two is given).
            case prom(Located<String>, query: Located<String>, below: Double?, above: Double?)
        }

        public var name: Located<String>
        public var check: Check
        /// Text the body (http) or the output (cmd) must contain.
        public var contains: Located<String>?
        public var mode: Mode
        /// How often a `continuous` or `on_chaos` probe is checked (1s by default).
        public var every: Duration?
        /// How long one check may take (2s by default).
        public var timeout: Duration?
        /// The share of a repeated probe's checks that must pass (100% by default).
        public var atLeast: Percent?

        public init(name: Located<String>, check: Check, mode: Mode) {
            self.name = name
            self.check = check
            self.mode = mode
        }
    }

    public var header: DocumentHeader
    public var fault: Fault
    public var expect: Expectation?
    public var probes: [Probe] = []
    public var gates: [Located<String>] = []
    public var repeatCount = 1

    public init(header: DocumentHeader, fault: Fault) {
        self.header = header
        self.fault = fault
    }
}
