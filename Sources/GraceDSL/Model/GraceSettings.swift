/// Instance-wide settings: the one `grace` document of a configuration.
public struct GraceSettings: Sendable, Hashable {
    public enum Planner: String, Sendable, Hashable, Codable, CaseIterable {
        case rules, llm
    }

    public struct Agent: Sendable, Hashable {
        public var enabled = false
        public var planner: Planner = .rules
        public var endpoint: String?
        public var model: String?
        public var mayChange: [DocumentKind] = []
        public var protected: [Located<String>] = []
        public var maxCommitsPerHour = 6
        public var verify: [Located<Command>] = []
        /// How long a task may stay planning or verifying: past it Grace requeues it once (restarting the agent's
        /// process), and fails it the second time.
        public var taskTimeout: Duration = .seconds(600)
    }

    public struct Limits: Sendable, Hashable {
        public var concurrentRuns = 4
        public var rateRuns = 30
        public var ratePer: Duration = .seconds(60)
    }

    public struct Snapshots: Sendable, Hashable {
        public var every: Duration?
        public var keepLast = 10
        public var keepHourly = 24
        public var keepDaily = 7
    }

    /// Request rates the HTTP API allows each client, per second (token buckets with a burst of twice the rate).
    public struct APIRate: Sendable, Hashable {
        public var reads = 1000
        public var writes = 20

        public init() {}
    }

    /// How the knowledge base learns signature -> playbook bindings from outcomes.
    public struct Knowledge: Sendable, Hashable {
        /// A run counts as healing a signature when its kernel stays healthy, and the signature does not come
        /// back, for this long after the run.
        public var successWindow: Duration = .seconds(30)
        /// A learned binding whose expected success (Beta posterior mean) falls below this is dropped...
        public var dropBelow = 0.3
        /// ...once it has been tried at least this many times.
        public var minTrials = 3

        public init() {}
    }

    /// What Grace keeps of what it observed, for `grace replay` and `grace explain`: every metric sample, heartbeat,
    /// log line and sighting for `raw`, then the metrics downsampled to `downsample` buckets for `retention`.
    public struct History: Sendable, Hashable {
        /// How long every observation is kept as it was seen (what replay reproduces exactly).
        public var raw: Duration = .seconds(86_400)
        /// The bucket of the metrics kept after `raw`.
        public var downsample: Duration = .seconds(60)
        /// How long the downsampled metrics are kept.
        public var retention: Duration = .seconds(14 * 86_400)
        /// Log lines kept per kernel per second at most (a flood is counted, not kept); 0 keeps none.
        public var logLinesPerSecond = 100

        public init() {}
    }

    /// Built-in components of Grace itself that heartbeat under the root supervisor.
    public static let componentNames = [
        "supervisor", "healer", "agent", "snapshotter", "api", "control", "watcher", "fleet",
    ]

    /// The limits of Grace's own supervision tree (OTP's intensity and period, per level): how often one component
    /// may be restarted before the root rebuilds every component, how often the root may rebuild them before Grace
    /// re-executes itself, and how often it may re-execute before it stops trying and calls the operator.
    public struct Supervision: Sendable, Hashable {
        /// Restarts of one component within a window.
        public var component = Kernel.Intensity(max: 3, within: .seconds(60))
        /// Rebuilds of every component within a window.
        public var rebuild = Kernel.Intensity(max: 2, within: .seconds(600))
        /// Re-executions of Grace within a window.
        public var reexec = Kernel.Intensity(max: 2, within: .seconds(1800))

        public init() {}
    }

    public var header: DocumentHeader
    public var stateDir = "var/grace"
    public var include = ["config", "Playbooks"]
    public var apiListen: Located<String>?
    public var apiRate = APIRate()
    public var instance: Located<String>?
    public var limits = Limits()
    public var snapshots = Snapshots()
    public var agent = Agent()
    public var knowledge = Knowledge()
    public var componentHeartbeats: [String: Duration] = [:]
    public var supervision = Supervision()
    public var history = History()

    public init(header: DocumentHeader) {
        self.header = header
    }
}
