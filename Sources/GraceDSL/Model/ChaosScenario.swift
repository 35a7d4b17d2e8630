/// A fault to rehearse, and the recovery expected of Grace.
public struct ChaosScenario: Sendable, Hashable {
    public enum Fault: Sendable, Hashable {
        case kill(Located<String>, signal: Signal?)
        case hang(Located<String>)
        case corrupt(Located<String>, file: Located<String>?)
        case corruptPlaybook(Located<String>)
        case exhaustMemory(Located<String>, size: ByteSize?)
        case exhaustCPU(Located<String>)
        case silence(Located<String>)
        case killInstance(Located<String>)
        case emitError(Located<String>, line: Located<String>?)

        public static let keywords = [
            "kill", "hang", "corrupt", "corrupt_playbook", "exhaust_memory", "exhaust_cpu", "silence",
            "kill_instance", "emit_error",
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
            }
        }

        /// The thing the fault is injected into, and what kind of thing it must be.
        public var target: (name: Located<String>, type: ValueType) {
            switch self {
            case .kill(let k, _), .hang(let k), .corrupt(let k, _), .exhaustMemory(let k, _), .exhaustCPU(let k),
                .silence(let k), .emitError(let k, _):
                (k, .kernel)
            case .corruptPlaybook(let p): (p, .playbook)
            case .killInstance(let i): (i, .instance)
            }
        }
    }

    public struct Expectation: Sendable, Hashable {
        public var trigger: Located<String>?
        public var playbook: Located<String>?
        public var healthy: [Located<String>] = []
        public var within: Duration?
    }

    public var header: DocumentHeader
    public var fault: Fault
    public var expect: Expectation?
    public var gates: [Located<String>] = []
    public var repeatCount = 1

    public init(header: DocumentHeader, fault: Fault) {
        self.header = header
        self.fault = fault
    }
}
