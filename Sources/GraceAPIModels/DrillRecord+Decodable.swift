import Foundation

extension DrillRecord {
    /// Decodes a report; `gates` may be left out (the phases before `finished` have none), the other members are
    /// decoded as declared.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            drill: try c.decode(String.self, forKey: .drill), scenario: try c.decode(String.self, forKey: .scenario),
            phase: try c.decode(Phase.self, forKey: .phase), fault: try c.decodeIfPresent(String.self, forKey: .fault),
            status: try c.decodeIfPresent(String.self, forKey: .status),
            deviated: try c.decodeIfPresent(Bool.self, forKey: .deviated),
            healedMs: try c.decodeIfPresent(Int64.self, forKey: .healedMs),
            gates: try c.decodeIfPresent([GateCheckResult].self, forKey: .gates) ?? [],
            detail: try c.decodeIfPresent(String.self, forKey: .detail),
            seed: try c.decodeIfPresent(UInt64.self, forKey: .seed))
    }
}
