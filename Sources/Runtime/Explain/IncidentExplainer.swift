import Foundation
import GraceDSL
import Interpreter

/// Explains an incident from the state database: reads the entries its chain needs (the runs, their firing, what
/// was journaled about the kernel before and after) and hands them to `IncidentChainBuilder`.
public struct IncidentExplainer: Sendable {
    /// The database the journal is in.
    public let store: StateStore
    /// How long after the runs ended the kernel is watched for trouble.
    public let verificationWindow: Duration
    /// Entries read before a decision (and after an observation) for its context.
    static let context = 300

    /// An explainer over `store`.
    public init(store: StateStore, verificationWindow: Duration = .seconds(300)) {
        self.store = store
        self.verificationWindow = verificationWindow
    }

    /// The incident of run `id` (a run it called or escalated to is explained from the incident's first run); nil
    /// when the journal has no such run.
    public func explain(run id: String, now: Date = Date()) throws -> IncidentChain? {
        var entries = try runEntries(id)
        guard let start = entries.first(where: { $0.kind == JournalKind.runStarted.rawValue && $0.event.run == id })
        else { return nil }
        // The root's start is the earliest run start of the incident.
        let root = entries.filter { $0.kind == JournalKind.runStarted.rawValue }.min { $0.id < $1.id } ?? start
        var firing = entries.first { $0.kind == JournalKind.triggerFired.rawValue && $0.event.run == root.event.run }
        if firing == nil, case .runStarted(_, _, let trigger?, _, _) = root.event {
            let before = try store.entries(before: root.id, limit: Self.context)
            entries += before
            firing = before.first { entry in
                guard case .triggerFired(trigger, _, _, _, nil) = entry.event else { return false }
                return true
            }
        }
        var kernel: String?
        if case .runStarted(_, _, _, let arguments, _) = root.event { kernel = arguments["kernel"] }
        if let firing {
            kernel = firing.kernel
            entries += try context(before: firing)
        }
        if let kernel {
            entries += try store.events(after: root.id, limit: 1000, kernel: kernel)
        }
        return withSamples(
            IncidentChainBuilder(entries: entries, now: now, verificationWindow: verificationWindow)
                .chain(for: .run(id), subject: "run \(id)"))
    }

    /// The incident journal entry `id` belongs to (see `IncidentChainBuilder.target(forEntry:)`); nil when there is
    /// no such entry or it belongs to no incident.
    public func explain(event id: Int64, now: Date = Date()) throws -> IncidentChain? {
        guard let entry = try store.entry(id: id) else { return nil }
        var neighbourhood = [entry]
        if let kernel = entry.kernel, entry.event.run == nil, !IncidentChainBuilder.isDecision(entry) {
            neighbourhood += try store.events(after: id, limit: Self.context, kernel: kernel)
            let before = try store.entries(before: id, limit: Self.context, kernel: kernel)
            neighbourhood += before
            if let fired = before.first(where: { $0.kind == JournalKind.triggerFired.rawValue }),
                let run = fired.event.run
            {
                neighbourhood += try store.entries(namingRun: run)
            }
        } else if case .triggerFired(_, _, _, _, nil) = entry.event {
            neighbourhood += try store.events(after: id, limit: Self.context)
        }
        let builder = IncidentChainBuilder(entries: neighbourhood, now: now, verificationWindow: verificationWindow)
        return try explain(builder.target(forEntry: entry), subject: "event \(id)", now: now)
    }

    /// The latest incident about `kernel` (see `IncidentChainBuilder.target(forKernel:)`); nil when there is none.
    public func explain(kernel: String, now: Date = Date()) throws -> IncidentChain? {
        var candidates: [JournalEntry] = []
        for kind in [JournalKind.triggerFired, .triggerSuppressed] {
            if let entry = try store.lastEntry(kind: kind.rawValue, kernel: kernel) { candidates.append(entry) }
        }
        if let manual = try store.lastManualRun(kernel: kernel) { candidates.append(manual) }
        if let fired = candidates.first(where: { $0.kind == JournalKind.triggerFired.rawValue }),
            let run = fired.event.run
        {
            candidates += try store.entries(namingRun: run)
        }
        let builder = IncidentChainBuilder(entries: candidates, now: now, verificationWindow: verificationWindow)
        return try explain(builder.target(forKernel: kernel), subject: "kernel \(kernel)", now: now)
    }

    private func explain(_ target: IncidentTarget?, subject: String, now: Date) throws -> IncidentChain? {
        switch target {
        case nil: return nil
        case .run(let run):
            var chain = try explain(run: run, now: now)
            chain?.subject = subject
            return chain
        case .decision(let id):
            guard let decision = try store.entry(id: id) else { return nil }
            if let run = decision.event.run, decision.kind == JournalKind.triggerFired.rawValue,
                var chain = try explain(run: run, now: now)
            {
                chain.subject = subject
                return chain
            }
            let entries = [decision] + (try context(before: decision))
            return withSamples(
                IncidentChainBuilder(entries: entries, now: now, verificationWindow: verificationWindow)
                    .chain(for: .decision(id), subject: subject))
        }
    }

    /// The samples of the metric a decision's condition watched (its evidence names it), from the history Grace
    /// keeps (docs/replay.md): from twice its window (`for`, a trend's `window`; at least a minute) before the
    /// decision to 30 s after it, at most 500 (evenly thinned).
    func withSamples(_ chain: IncidentChain?) -> IncidentChain? {
        guard var chain, let decision = chain.decision else { return chain }
        let evidence = Dictionary(decision.evidence.map { ($0.key, $0.value) }) { a, _ in a }
        guard let name = evidence["metric"], let metric = Metric(rawValue: name) else { return chain }
        let window = [evidence["for"], evidence["window"]].compactMap { $0.flatMap(DurationParser.parse) }.max()
        let seconds = max(60, 2 * Double((window ?? .seconds(60)).milliseconds) / 1000)
        let kernel = metric.isHostMetric ? nil : (evidence["kernel"] ?? chain.kernel)
        guard
            let samples = try? store.metricSamples(
                kernel: kernel, metric: metric, from: decision.at.addingTimeInterval(-seconds),
                to: decision.at.addingTimeInterval(30))
        else { return chain }
        let step = max(1, samples.count / 500)
        chain.samples = stride(from: 0, to: samples.count, by: step).map {
            IncidentChain.Sample(at: samples[$0].time, metric: name, value: samples[$0].value)
        }
        return chain
    }

    /// What was journaled before `decision`: about its kernel, and about anything (kernel-less trouble, suppressions).
    private func context(before decision: JournalEntry) throws -> [JournalEntry] {
        var entries = try store.entries(before: decision.id, limit: Self.context)
        if let kernel = decision.kernel {
            entries += try store.entries(before: decision.id, limit: Self.context, kernel: kernel)
        }
        return entries
    }

    /// The entries of run `id`, of the runs above it (its parent, theirs) and of those below (called, escalated to).
    private func runEntries(_ id: String) throws -> [JournalEntry] {
        var entries: [JournalEntry] = []
        var queue = [id]
        var seen: Set<String> = []
        while let run = queue.first, seen.count < 50 {
            queue.removeFirst()
            guard seen.insert(run).inserted else { continue }
            let found = try store.entries(namingRun: run)
            entries += found
            for entry in found {
                guard case .runStarted(let other, _, _, _, let parent) = entry.event else { continue }
                if other == run, let parent { queue.append(parent) }
                if parent == run { queue.append(other) }
            }
        }
        return entries
    }
}
