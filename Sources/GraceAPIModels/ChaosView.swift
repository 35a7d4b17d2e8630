import Foundation

/// `GET /v1/chaos`: the chaos scenarios and gates of the running graph, and the latest drills from the journal.
public struct ChaosView: Codable, Sendable, Equatable {
    /// The running graph's `chaos` documents, sorted by name.
    public var scenarios: [ChaosScenarioView]
    /// The running graph's `gate` documents, sorted by name.
    public var gates: [GateView]
    /// The latest drills (up to 50), newest first, from their `chaos.*` journal entries.
    public var drills: [DrillView]

    /// Makes a view from its parts.
    public init(scenarios: [ChaosScenarioView], gates: [GateView], drills: [DrillView]) {
        self.scenarios = scenarios
        self.gates = gates
        self.drills = drills
    }
}

/// One `chaos` document: the fault and the recovery it expects.
public struct ChaosScenarioView: Codable, Sendable, Equatable {
    /// What a scenario expects of Grace after the fault.
    public struct Expectation: Codable, Sendable, Equatable {
        /// The trigger that must fire; null when any (or none) may.
        public var trigger: String?
        /// The playbook that must run and succeed; null when any (or none) may.
        public var playbook: String?
        /// The kernels that must be healthy again.
        public var healthy: [String]
        /// How long recovery may take, in milliseconds; null when the scenario does not say.
        public var withinMs: Int64?

        /// Makes an expectation from its parts.
        public init(trigger: String?, playbook: String?, healthy: [String], withinMs: Int64?) {
            self.trigger = trigger
            self.playbook = playbook
            self.healthy = healthy
            self.withinMs = withinMs
        }

        enum CodingKeys: String, CodingKey {
            case trigger, playbook, healthy
            case withinMs = "within_ms"
        }
    }

    /// Its name.
    public var name: String
    /// Its description; empty when it has none.
    public var description: String
    /// The fault's keyword (`kill`, `hang`, `disk_full`...).
    public var fault: String
    /// What the fault is injected into (a kernel, playbook, instance or `host`).
    public var target: String
    /// The fault in a few words (`SIGKILL to api`).
    public var summary: String
    /// What it expects; null when the scenario declares no `expect`.
    public var expect: Expectation?
    /// The gates it must hold.
    public var gates: [String]
    /// Its own probes, each as `NAME (MODE)`.
    public var probes: [String]

    /// Makes a view from its parts.
    public init(
        name: String, description: String, fault: String, target: String, summary: String, expect: Expectation?,
        gates: [String], probes: [String] = []
    ) {
        self.name = name
        self.description = description
        self.fault = fault
        self.target = target
        self.summary = summary
        self.expect = expect
        self.gates = gates
        self.probes = probes
    }
}

/// One `gate` document: the checks a drill must hold.
public struct GateView: Codable, Sendable, Equatable {
    /// Its name.
    public var name: String
    /// Its description; empty when it has none.
    public var description: String
    /// Each check in words (`availability of api at least 95% over 5m`).
    public var checks: [String]

    /// Makes a view from its parts.
    public init(name: String, description: String, checks: [String]) {
        self.name = name
        self.description = description
        self.checks = checks
    }
}

/// One gate check as a drill measured it.
public struct GateCheckResult: Codable, Sendable, Equatable {
    /// The gate the check belongs to.
    public var gate: String
    /// The check in words (`availability of api`).
    public var check: String
    /// What the drill measured (`99.2%`, `1.4s`, `intact`).
    public var measured: String
    /// What the check requires (`>= 95%`, `< 1m`).
    public var threshold: String
    /// Whether the measured value meets the threshold.
    public var ok: Bool

    /// Makes a result from its parts.
    public init(gate: String, check: String, measured: String, threshold: String, ok: Bool) {
        self.gate = gate
        self.check = check
        self.measured = measured
        self.threshold = threshold
        self.ok = ok
    }
}

/// `POST /v1/chaos/drills`: a drill runner (`grace chaos`) reports a phase of a drill, which Grace journals as
/// `chaos.started`, `chaos.injected` or `chaos.finished`.
public struct DrillRecord: Codable, Sendable, Equatable {
    /// Where the drill is.
    public enum Phase: String, Codable, Sendable, CaseIterable {
        /// Steady state held; the fault is about to be injected.
        case started
        /// The fault is in.
        case injected
        /// The drill ended, with a status.
        case finished
    }

    /// The drill's id (unique per drill: `kill-api-20261205T231500Z-1`).
    public var drill: String
    /// The scenario's name (`kong` for a Chaos Kong drill).
    public var scenario: String
    /// The phase reported.
    public var phase: Phase
    /// The fault's keyword and target (`kill api`).
    public var fault: String?
    /// `completed` (every expectation and gate held), `failed`, `aborted` (steady state not met before the fault:
    /// nothing was injected) or `interrupted`; with `finished` only.
    public var status: String?
    /// True when the steady state did not hold after the drill; with `finished` only.
    public var deviated: Bool?
    /// Milliseconds from the fault to recovery; null when it did not recover (or before `finished`).
    public var healedMs: Int64?
    /// The gate checks as measured; with `finished` only.
    public var gates: [GateCheckResult]
    /// Why it failed or was aborted, or what the fault did; at most 1,000 characters.
    public var detail: String?
    /// The seed of a random or Kong drill.
    public var seed: UInt64?

    /// Makes a record from its parts.
    public init(
        drill: String, scenario: String, phase: Phase, fault: String? = nil, status: String? = nil,
        deviated: Bool? = nil, healedMs: Int64? = nil, gates: [GateCheckResult] = [], detail: String? = nil,
        seed: UInt64? = nil
    ) {
        self.drill = drill
        self.scenario = scenario
        self.phase = phase
        self.fault = fault
        self.status = status
        self.deviated = deviated
        self.healedMs = healedMs
        self.gates = gates
        self.detail = detail
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey {
        case drill, scenario, phase, fault, status, deviated, gates, detail, seed
        case healedMs = "healed_ms"
    }
}

/// One finished drill as `GET /v1/chaos` lists it (from its `chaos.finished` journal entry).
public struct DrillView: Codable, Sendable, Equatable {
    /// The journal entry's id.
    public var id: Int64
    /// When the drill finished.
    public var time: Date
    /// The drill's id.
    public var drill: String
    /// The scenario's name.
    public var scenario: String
    /// `completed`, `failed`, `aborted` or `interrupted`.
    public var status: String
    /// True when the steady state did not hold after the drill.
    public var deviated: Bool
    /// Milliseconds from the fault to recovery; null when it did not recover.
    public var healedMs: Int64?
    /// The gate checks that failed, in words: `GATE: CHECK measured MEASURED, needs THRESHOLD`
    /// (`fast-heal: time to heal api measured 72s, needs < 1m`), from the entry's `gate.N` fields.
    public var failedGates: [String]
    /// Why it failed or was aborted; null when it completed.
    public var detail: String?

    /// Makes a view from its parts.
    public init(
        id: Int64, time: Date, drill: String, scenario: String, status: String, deviated: Bool, healedMs: Int64?,
        failedGates: [String], detail: String?
    ) {
        self.id = id
        self.time = time
        self.drill = drill
        self.scenario = scenario
        self.status = status
        self.deviated = deviated
        self.healedMs = healedMs
        self.failedGates = failedGates
        self.detail = detail
    }

    enum CodingKeys: String, CodingKey {
        case id, time, drill, scenario, status, deviated, detail
        case healedMs = "healed_ms"
        case failedGates = "failed_gates"
    }
}

/// `GET /v1/journal/verify`: whether the journal's hash chain holds, checked by the running Grace.
public struct JournalCheckView: Codable, Sendable, Equatable {
    /// True when every entry links to the one before and the chain reaches the recorded head.
    public var intact: Bool
    /// Entries that hold: all of them when intact, those before the first broken one otherwise.
    public var entries: Int64
    /// What is wrong (`entry 7: hash does not match ...`: the first broken entry and why); null when intact.
    public var detail: String?

    /// Makes a result from its parts.
    public init(intact: Bool, entries: Int64, detail: String?) {
        self.intact = intact
        self.entries = entries
        self.detail = detail
    }
}
