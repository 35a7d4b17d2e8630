/// A supervised service.
public struct Kernel: Sendable, Hashable {
    public enum Tier: String, Sendable, Hashable, Codable, CaseIterable {
        case critical, standard, background
    }

    public enum RestartMode: String, Sendable, Hashable, Codable, CaseIterable {
        case always
        case onFailure = "on-failure"
        case never
    }

    public enum Readiness: String, Sendable, Hashable, Codable, CaseIterable {
        case started, notify, health
    }

    public struct Backoff: Sendable, Hashable, Codable {
        public var initial: Duration = .milliseconds(100)
        public var max: Duration = .seconds(30)
        public var factor: Double = 2
        public var jitter: Percent = Percent(10)

        public init(
            initial: Duration = .milliseconds(100), max: Duration = .seconds(30), factor: Double = 2,
            jitter: Percent = Percent(10)
        ) {
            self.initial = initial
            self.max = max
            self.factor = factor
            self.jitter = jitter
        }
    }

    public struct Intensity: Sendable, Hashable, Codable {
        public var max: Int = 5
        public var within: Duration = .seconds(60)

        public init(max: Int = 5, within: Duration = .seconds(60)) {
            self.max = max
            self.within = within
        }
    }

    public struct RestartPolicy: Sendable, Hashable, Codable {
        public var mode: RestartMode = .always
        public var backoff = Backoff()
        public var intensity = Intensity()
        public var stableAfter: Duration = .seconds(30)
    }

    public struct StopPolicy: Sendable, Hashable, Codable {
        public var signal = Signal(name: "SIGTERM", number: 15)
        public var grace: Duration = .seconds(10)
    }

    public enum ProbeCheck: Sendable, Hashable {
        case http(url: String, expect: Int?)
        case tcp(host: String, port: Int)
        case exec(Located<Command>)
        case file(path: String)
    }

    public struct HealthProbe: Sendable, Hashable {
        public var check: ProbeCheck
        public var every: Duration = .seconds(2)
        public var timeout: Duration = .seconds(1)
        public var failures: Int = 3
        public var startPeriod: Duration = .zero
    }

    public struct LogSettings: Sendable, Hashable {
        public var format: Located<String>?
        /// The placeholder names of `format`, in order (`Date`, `Time`, `Level`, `Component`, `Content`).
        public var fields: [String] = []
        public var masks: [Located<String>] = []
        public var errorLevels: [String] = ["ERROR", "FATAL", "CRITICAL"]
    }

    public struct ResourceLimits: Sendable, Hashable, Codable {
        public var memory: ByteSize?
        public var cpu: Percent?
        public var nofile: Int?
        public var nproc: Int?
    }

    /// What a kernel does on an instance of a fleet that is not the primary (`on_standby:`).
    public enum StandbyMode: Sendable, Hashable {
        /// Runs only on the primary: stopped on a standby, started on promotion (`on_standby: stop`).
        case stop
        /// Runs on every instance alike, whatever its role (`on_standby: run`).
        case run
        /// Runs differently on a hot standby (a replica): `command` and `env` replace the kernel's own there; on
        /// a warm standby it stays stopped. Promotion does not restart it: the fleet's promotion playbook turns it
        /// into the primary's (`pg_ctl promote`), and its next start uses the primary's command.
        case replica(command: Located<Command>?, env: [String: String])
    }

    public var header: DocumentHeader
    public var tier: Tier = .standard
    public var command: Located<Command>?
    public var cwd: String?
    public var env: [String: String] = [:]
    public var user: String?
    public var group: String?
    public var dependsOn: [Located<String>] = []
    public var ports: [Located<Int>] = []
    public var restart = RestartPolicy()
    public var stop = StopPolicy()
    public var health: HealthProbe?
    public var ready: Readiness = .started
    /// How long a kernel that waits for readiness (`ready: notify` or `health`) may take to get ready; past it the
    /// start counts as failed: the process is killed and restarted by its policy.
    public var startTimeout: Duration = .seconds(60)
    public var watchdog: Duration?
    public var logs = LogSettings()
    public var data: [Located<String>] = []
    public var limits = ResourceLimits()
    public var enabled = true
    /// nil: as the fleet's `kernels` list says (listed or no list: primary only; unlisted: everywhere).
    public var onStandby: StandbyMode?

    public init(header: DocumentHeader) {
        self.header = header
    }
}
