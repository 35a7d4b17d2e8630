/// What an incident chain is built around: a run (and its firing), or a decision that ran nothing.
public enum IncidentTarget: Sendable, Hashable {
    /// A playbook run, by id; a run that was called or escalated to is explained from the incident's first run.
    case run(String)
    /// A `trigger.fired` or `trigger.suppressed` entry, by journal id (a firing with a run is explained as its run).
    case decision(Int64)
}
