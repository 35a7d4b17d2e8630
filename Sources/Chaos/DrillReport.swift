import Foundation
import GraceAPIModels

/// One drill's journal, in the spirit of Chaos Toolkit's: status, `deviated`, the steady-state checks before and
/// after, the method (the fault), the rollbacks, the expectations and the gates with measured values.
public struct DrillReport: Codable, Sendable {
    /// One probe of a steady-state hypothesis.
    public struct Probe: Codable, Sendable {
        /// What it is, in words.
        public var name: String
        /// Whether it passed.
        public var ok: Bool
        /// What was seen.
        public var detail: String
    }

    /// A steady-state check: met when every probe passed.
    public struct SteadyState: Codable, Sendable {
        /// Whether every probe passed.
        public var met: Bool
        /// The probes, each with its outcome.
        public var probes: [Probe]
        /// How long the runner waited for it, in milliseconds.
        public var waitedMs: Int64
    }

    /// One action of the method or of the rollbacks, with its timing.
    public struct Activity: Codable, Sendable {
        /// What it is, in words.
        public var name: String
        /// `succeeded` or `failed`.
        public var status: String
        /// What it did or why it failed.
        public var output: String
        /// When it began.
        public var start: Date
        /// How long it took, in milliseconds.
        public var durationMs: Int64
    }

    /// One declared probe of the scenario (`probes:`) and its checks.
    public struct ProbeResult: Codable, Sendable {
        /// Its name.
        public var name: String
        /// When it was checked: `start`, `end`, `edge`, `continuous` or `on_chaos`.
        public var mode: String
        /// What one check does, in words.
        public var what: String
        /// How many checks were made.
        public var checks: Int
        /// How many of them passed.
        public var passed: Int
        /// The share of checks that passed.
        public var successPercent: Double
        /// The share it needs (`at_least`; 100 for a probe checked once).
        public var needsPercent: Double
        /// Whether the probe passed.
        public var ok: Bool
        /// The first failing check, in words.
        public var firstFailure: String?
        /// What the last check saw.
        public var last: String?

        /// The probe as a row of the checks Grace journals with the drill (`chaos.finished`, the dashboard's drills
        /// panel), beside the gates': gate `probes`.
        public var asCheck: GateCheckResult {
            GateCheckResult(
                gate: "probes", check: "\(name) (\(mode))",
                measured: "\(passed) of \(checks) checks passed"
                    + (checks > 0 ? String(format: " (%.1f%%)", successPercent) : "")
                    + (ok ? "" : firstFailure.map { "; \($0)" } ?? ""),
                threshold: needsPercent >= 100 ? "every check" : String(format: ">= %g%%", needsPercent), ok: ok)
        }
    }

    /// What was expected after the fault, and when (after the fault) each part was seen.
    public struct Expectation: Codable, Sendable {
        /// The trigger that must fire.
        public var trigger: String?
        /// When it fired, in milliseconds after the fault.
        public var triggerFiredMs: Int64?
        /// The playbook that must run and succeed (or its escalation).
        public var playbook: String?
        /// When it succeeded, in milliseconds after the fault.
        public var playbookSucceededMs: Int64?
        /// The run that succeeded (`instance/run`).
        public var run: String?
        /// The kernels that must be healthy again.
        public var healthy: [String]
        /// When all of it held, in milliseconds after the fault.
        public var healthyMs: Int64?
        /// The deadline, in milliseconds after the fault.
        public var withinMs: Int64
    }

    /// The drill's id.
    public var drill: String
    /// The scenario's name (`kong` for Chaos Kong).
    public var scenario: String
    /// The scenario's description.
    public var title: String
    /// The fault in words.
    public var fault: String
    /// `completed`, `failed`, `aborted` or `interrupted`.
    public var status = "failed"
    /// True when the steady state did not come back after the rollbacks.
    public var deviated = false
    /// When it began.
    public var start: Date
    /// When it ended.
    public var end: Date
    /// How long it took, in milliseconds.
    public var durationMs: Int64 = 0
    /// Milliseconds from the fault to recovery; nil when it did not recover in time.
    public var healedMs: Int64?
    /// The seed of a random or Kong drill.
    public var seed: UInt64?
    /// The steady state before the fault.
    public var steadyStateBefore: SteadyState?
    /// The steady state after the rollbacks.
    public var steadyStateAfter: SteadyState?
    /// The fault(s) injected.
    public var method: [Activity] = []
    /// The rollbacks run.
    public var rollbacks: [Activity] = []
    /// What was expected and when each part was seen.
    public var expectation: Expectation?
    /// The gate checks with measured values.
    public var gates: [GateCheckResult] = []
    /// The scenario's declared probes, each with its checks.
    public var probes: [ProbeResult] = [] {
        didSet {
            probeSuccessPercent =
                probes.isEmpty ? nil : Double(probes.filter(\.ok).count) / Double(probes.count) * 100
        }
    }
    /// The share of declared probes that passed (LitmusChaos's probe success percentage); nil without probes.
    public private(set) var probeSuccessPercent: Double?
    /// What was seen.
    public var detail: String?

    /// A report of a drill that has just begun (status `failed` until it is judged).
    public init(drill: String, scenario: String, title: String, fault: String, start: Date, seed: UInt64?) {
        self.drill = drill
        self.scenario = scenario
        self.title = title
        self.fault = fault
        self.start = start
        self.end = start
        self.seed = seed
    }

    /// Whether a human was not needed and every expectation and gate held.
    public var passed: Bool { status == "completed" }
}

/// Several drills: what `grace chaos run --journal FILE` writes.
public struct DrillJournal: Codable, Sendable {
    /// The journal format.
    public var chaosVersion = "grace-chaos/1"
    /// When it began.
    public var start: Date
    /// When it ended.
    public var end: Date
    /// The seed of a random or Kong drill.
    public var seed: UInt64?
    /// The drills, in the order they ran.
    public var drills: [DrillReport]
    /// Drills that completed.
    public var passed: Int
    /// Drills that did not.
    public var failed: Int

    /// Makes a journal of finished drills.
    public init(start: Date, end: Date, seed: UInt64?, drills: [DrillReport]) {
        self.start = start
        self.end = end
        self.seed = seed
        self.drills = drills
        self.passed = drills.filter(\.passed).count
        self.failed = drills.count - passed
    }

    /// The journal as indented JSON with ISO 8601 times.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }

    /// JUnit XML: one test suite, a test case per drill, a failure (or skipped, for an aborted drill) with the
    /// reason and the failed gates.
    public func junit(suite: String) -> String {
        func escape(_ s: String) -> String {
            var out = ""
            for c in s.unicodeScalars {
                switch c {
                case "&": out += "&amp;"
                case "<": out += "&lt;"
                case ">": out += "&gt;"
                case "\"": out += "&quot;"
                case "'": out += "&apos;"
                default:
                    if c.value < 0x20 && c != "\n" && c != "\t" { continue }
                    out.unicodeScalars.append(c)
                }
            }
            return out
        }
        let skipped = drills.filter { $0.status == "aborted" }.count
        let failures = drills.filter { !$0.passed && $0.status != "aborted" }.count
        let total = Double(end.timeIntervalSince(start))
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites name=\"\(escape(suite))\" tests=\"\(drills.count)\" failures=\"\(failures)\" "
        xml += "skipped=\"\(skipped)\" time=\"\(String(format: "%.3f", total))\">\n"
        xml += "  <testsuite name=\"\(escape(suite))\" tests=\"\(drills.count)\" failures=\"\(failures)\" "
        xml += "errors=\"0\" skipped=\"\(skipped)\" time=\"\(String(format: "%.3f", total))\" "
        xml += "timestamp=\"\(ISO8601DateFormatter().string(from: start))\">\n"
        for d in drills {
            xml += "    <testcase classname=\"chaos\" name=\"\(escape(d.scenario))\" "
            xml += "time=\"\(String(format: "%.3f", Double(d.durationMs) / 1000))\">\n"
            let gates =
                d.gates.map {
                    "\($0.ok ? "ok" : "FAILED") \($0.gate): \($0.check) = \($0.measured) (needs \($0.threshold))"
                }
                + d.probes.map {
                    "\($0.ok ? "ok" : "FAILED") probe \($0.name) (\($0.mode)): \($0.passed) of \($0.checks) checks "
                        + String(format: "(%.1f%%, needs %.0f%%)", $0.successPercent, $0.needsPercent)
                        + ($0.firstFailure.map { "; first failure \($0)" } ?? "")
                }
            if d.status == "aborted" {
                xml += "      <skipped message=\"\(escape(d.detail ?? "steady state not met"))\"/>\n"
            } else if !d.passed {
                let message = d.detail ?? "a gate failed"
                xml += "      <failure message=\"\(escape(message))\" type=\"\(escape(d.status))\">"
                xml += escape(([message] + gates).joined(separator: "\n")) + "</failure>\n"
            }
            let out = ["drill \(d.drill): \(d.fault)", "healed in " + (d.healedMs.map { "\($0) ms" } ?? "-")] + gates
            xml += "      <system-out>\(escape(out.joined(separator: "\n")))</system-out>\n"
            xml += "    </testcase>\n"
        }
        xml += "  </testsuite>\n</testsuites>\n"
        return xml
    }
}
