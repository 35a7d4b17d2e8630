import Foundation
import GraceAPIModels
import Runtime

/// The API's view of an incident chain: times as offsets after the chain's origin, durations in milliseconds.
extension IncidentView {
    /// The view of `chain`.
    init(_ chain: IncidentChain) {
        let origin = chain.origin
        func offset(_ date: Date) -> Double { APIServices.milliseconds(from: origin, to: date) ?? 0 }
        func moment(_ m: IncidentChain.Moment) -> Moment {
            Moment(
                id: m.id, time: m.at, offsetMS: offset(m.at), kind: m.kind, kernel: m.kernel, summary: m.summary,
                fields: m.fields)
        }
        func decision(_ d: IncidentChain.Decision) -> Decision {
            Decision(
                event: d.entry, time: d.at, offsetMS: offset(d.at), trigger: d.trigger, playbook: d.playbook,
                verdict: d.verdict.rawValue, reason: d.reason, why: d.why, condition: d.condition,
                evidence: d.evidence.map { Evidence(key: $0.key, label: $0.label, value: $0.value, text: $0.text) })
        }
        let runs = chain.runs.map { run in
            Run(
                id: run.id, playbook: run.playbook, parent: run.parent, state: run.state, startedAt: run.startedAt,
                offsetMS: offset(run.startedAt), finishedAt: run.finishedAt,
                durationMS: APIServices.milliseconds(from: run.startedAt, to: run.finishedAt), error: run.error,
                escalatedTo: run.escalatedTo, arguments: run.arguments,
                steps: run.steps.map { s in
                    Step(
                        index: s.index, name: s.name, action: s.action, state: s.state, startedAt: s.startedAt,
                        offsetMS: s.startedAt.map(offset), finishedAt: s.finishedAt,
                        durationMS: APIServices.milliseconds(from: s.startedAt, to: s.finishedAt), attempts: s.attempts,
                        detail: s.detail, error: s.error)
                },
                undos: run.undos.map { u in
                    Undo(
                        index: u.index, name: u.name, action: u.action, startedAt: u.startedAt,
                        offsetMS: offset(u.startedAt), finishedAt: u.finishedAt,
                        durationMS: APIServices.milliseconds(from: u.startedAt, to: u.finishedAt), error: u.error)
                })
        }
        let verification = chain.verification.map { v in
            Verification(
                outcome: v.outcome, time: v.at, offsetMS: v.at.map(offset), kernelState: v.kernelState.rawValue,
                summary: v.summary,
                watchedMS: v.watched.map {
                    Double($0.components.seconds) * 1000 + Double($0.components.attoseconds) / 1e15
                },
                after: v.after.map(moment))
        }
        // The last point of the chain: what the timeline's axis spans.
        var last = origin
        for date in chain.observations.map(\.at) + chain.learned.map(\.at) + (chain.verification?.after.map(\.at) ?? [])
        {
            last = max(last, date)
        }
        if let at = chain.decision?.at { last = max(last, at) }
        for run in chain.runs { last = max(last, run.finishedAt ?? run.startedAt) }
        self.init(
            subject: chain.subject, kernel: chain.kernel, trigger: chain.trigger, playbook: chain.playbook,
            run: chain.run, outcome: chain.outcome, summary: chain.summary, origin: origin, durationMS: offset(last),
            observations: chain.observations.map(moment),
            samples: chain.samples?.map {
                Sample(time: $0.at, offsetMS: offset($0.at), metric: $0.metric, value: $0.value)
            },
            earlierDecisions: chain.earlierDecisions.map(decision), decision: chain.decision.map(decision), runs: runs,
            verification: verification, learned: chain.learned.map(moment))
    }
}
