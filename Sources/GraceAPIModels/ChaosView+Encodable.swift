// The chaos views write every key, `null` ones included, as the API's other bodies do (the synthesized encoders
// would leave them out).
import Foundation

extension ChaosScenarioView.Expectation {
    /// Writes every key, `null` ones included.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(trigger, forKey: .trigger)
        try c.encode(playbook, forKey: .playbook)
        try c.encode(healthy, forKey: .healthy)
        try c.encode(withinMs, forKey: .withinMs)
    }
}

extension ChaosScenarioView {
    /// Writes every key, `null` ones included.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(description, forKey: .description)
        try c.encode(fault, forKey: .fault)
        try c.encode(target, forKey: .target)
        try c.encode(summary, forKey: .summary)
        try c.encode(expect, forKey: .expect)
        try c.encode(gates, forKey: .gates)
        try c.encode(probes, forKey: .probes)
    }

    enum CodingKeys: String, CodingKey {
        case name, description, fault, target, summary, expect, gates, probes
    }
}

extension DrillView {
    /// Writes every key, `null` ones included.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(time, forKey: .time)
        try c.encode(drill, forKey: .drill)
        try c.encode(scenario, forKey: .scenario)
        try c.encode(status, forKey: .status)
        try c.encode(deviated, forKey: .deviated)
        try c.encode(healedMs, forKey: .healedMs)
        try c.encode(failedGates, forKey: .failedGates)
        try c.encode(detail, forKey: .detail)
    }
}

extension JournalCheckView {
    /// Writes every key, `null` ones included.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(intact, forKey: .intact)
        try c.encode(entries, forKey: .entries)
        try c.encode(detail, forKey: .detail)
    }

    enum CodingKeys: String, CodingKey {
        case intact, entries, detail
    }
}
