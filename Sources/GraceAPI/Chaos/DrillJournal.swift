// A drill runner's report (`DrillRecord`) as a `chaos.*` journal entry, and a `chaos.finished` entry back as the
// `DrillView` that `GET /v1/chaos` lists. Both directions live here so that the gate lines are written and read
// the same way.
import Foundation
import GraceAPIModels
import Interpreter
import Runtime

/// Validates drill reports and translates them to and from the journal.
enum DrillJournal {
    /// The statuses a finished drill may have.
    static let statuses: Set<String> = ["completed", "failed", "aborted", "interrupted"]
    /// How many characters of `detail` are kept.
    static let detailLimit = 1_000
    /// How many gate checks one report may carry.
    static let gateLimit = 100
    /// The suffix of a gate line whose check did not hold.
    static let failedSuffix = ", FAILED"

    /// The members a `POST /v1/chaos/drills` body may have.
    static let members: Set<String> = [
        "drill", "scenario", "phase", "fault", "status", "deviated", "healed_ms", "gates", "detail", "seed",
    ]

    /// The journal entry for `record`, or a 400 that says what is wrong with it.
    static func event(for record: DrillRecord) throws(APIError) -> JournalEvent {
        try name(record.drill, "drill")
        try name(record.scenario, "scenario")
        var details: [String: String] = [:]
        if let fault = record.fault {
            try text(fault, "fault", allowEmpty: false)
            details["fault"] = fault
        }
        if let seed = record.seed { details["seed"] = String(seed) }
        if let detail = record.detail { details["detail"] = Self.detail(detail) }
        let phase: ChaosPhase =
            switch record.phase {
            case .started: .started
            case .injected: .injected
            case .finished: .finished
            }
        guard phase == .finished else {
            for (member, present) in [
                ("status", record.status != nil), ("deviated", record.deviated != nil),
                ("healed_ms", record.healedMs != nil), ("gates", !record.gates.isEmpty),
            ] where present {
                throw .badRequest(
                    "`\(member)` is reported with the phase `finished` only, not `\(record.phase.rawValue)`")
            }
            return .chaos(phase: phase, drill: record.drill, scenario: record.scenario, details: details)
        }
        guard let status = record.status else {
            throw .badRequest("a finished drill needs a `status`: \(statuses.sorted().joined(separator: ", "))")
        }
        guard statuses.contains(status) else {
            throw .badRequest(
                "`status` is one of \(statuses.sorted().joined(separator: ", ")), not `\(status.prefix(40))`")
        }
        details["status"] = status
        details["deviated"] = String(record.deviated ?? false)
        if let healed = record.healedMs {
            guard healed >= 0 else { throw .badRequest("`healed_ms` must not be negative") }
            details["healed_ms"] = String(healed)
        }
        guard record.gates.count <= gateLimit else {
            throw .badRequest("at most \(gateLimit) gate checks per drill, not \(record.gates.count)")
        }
        for (index, check) in record.gates.enumerated() {
            try text(check.gate, "gates[\(index)].gate", allowEmpty: false)
            try text(check.check, "gates[\(index)].check", allowEmpty: false)
            try text(check.measured, "gates[\(index)].measured", allowEmpty: true)
            try text(check.threshold, "gates[\(index)].threshold", allowEmpty: true)
            details["gate.\(index)"] = line(check)
        }
        details["gates_failed"] = String(record.gates.filter { !$0.ok }.count)
        return .chaos(phase: .finished, drill: record.drill, scenario: record.scenario, details: details)
    }

    /// A gate check as its journal field reads: `GATE: CHECK measured MEASURED, needs THRESHOLD, ok` (or `FAILED`).
    static func line(_ check: GateCheckResult) -> String {
        "\(check.gate): \(check.check) measured \(check.measured), needs \(check.threshold), "
            + (check.ok ? "ok" : "FAILED")
    }

    /// A `chaos.finished` entry as `GET /v1/chaos` lists it; nil for another kind, or one that lacks its drill,
    /// scenario or status (a journal another version wrote).
    static func view(of entry: JournalEntry) -> DrillView? {
        let f = entry.fields
        guard entry.kind == JournalKind.chaosFinished.rawValue, let drill = f["drill"], let scenario = f["scenario"],
            let status = f["status"]
        else { return nil }
        var failed: [String] = []
        var index = 0
        while let gate = f["gate.\(index)"] {
            if gate.hasSuffix(failedSuffix) { failed.append(String(gate.dropLast(failedSuffix.count))) }
            index += 1
        }
        return DrillView(
            id: entry.id, time: entry.time, drill: drill, scenario: scenario, status: status,
            deviated: f["deviated"] == "true", healedMs: f["healed_ms"].flatMap { Int64($0) }, failedGates: failed,
            detail: status == "completed" ? nil : f["detail"])
    }

    /// A drill's or scenario's name: 1 to 200 characters, no control characters.
    private static func name(_ value: String, _ member: String) throws(APIError) {
        guard !value.isEmpty, value.count <= 200 else {
            throw .badRequest("`\(member)` must be 1 to 200 characters, not \(value.count)")
        }
        try text(value, member, allowEmpty: false)
    }

    /// Short text for a journal field: at most 200 characters, no control characters (they would reach Grace's
    /// log as they are).
    private static func text(_ value: String, _ member: String, allowEmpty: Bool) throws(APIError) {
        guard allowEmpty || !value.isEmpty else { throw .badRequest("`\(member)` must not be empty") }
        guard value.count <= 200 else {
            throw .badRequest("`\(member)` must be at most 200 characters, not \(value.count)")
        }
        guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .badRequest("`\(member)` must not contain control characters")
        }
    }

    /// `detail` as journaled: its first 1,000 characters, control characters (newlines) as spaces.
    private static func detail(_ value: String) -> String {
        let kept = String(value.prefix(detailLimit))
        guard kept.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return kept }
        return String(
            String.UnicodeScalarView(
                kept.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : $0 }))
    }
}
