import GraceDSL
import Synchronization

/// How a playbook run ended.
public struct PlaybookOutcome: Sendable, Hashable {
    /// The run's id (the journal's `run` field).
    public var run: String
    /// The playbook that ran.
    public var playbook: String
    /// True when every step succeeded (or continued on error) and the `success:` criteria held.
    public var succeeded: Bool
    /// Why the run failed; nil when it succeeded.
    public var error: String?
    /// The escalation's outcome, when the run failed and escalated.
    public var escalation: [PlaybookOutcome]
    /// The run that took this run's kernels over (one whose trigger addresses the failure's cause), when this run
    /// was preempted or never began; it did not fail on its own.
    public var supersededBy: String? = nil
}

/// Runs playbooks step by step: parameters bound and templated, `if:` conditions, retries with backoff,
/// per-step timeouts, compensating `undo:` in reverse on failure, `call` of other playbooks, `on_failure`
/// escalation and success criteria. Every run and step is recorded before it acts.
///
/// Time comes from the injected clock, so every timeout and retry delay is tested without sleeping.
public final class PlaybookExecutor<C: Clock>: Sendable where C.Duration == Duration {
    /// What `run` returns.
    public typealias Outcome = PlaybookOutcome

    /// The graph whose playbooks this executor runs; a reload makes a new executor rather than changing it.
    public let graph: ExecutionGraph
    private let performer: any ActionPerformer
    private let journal: any RunJournal
    private let clock: C
    private let locks: KernelLocks
    private let slots: RunSlots
    private let ids = RunIDs()

    /// - Parameter locks: shared with the executor of the previous graph across a reload, so runs of the old
    ///   and the new graph still never act on one kernel at once.
    public init(
        graph: ExecutionGraph, performer: any ActionPerformer, journal: any RunJournal, clock: C,
        locks: KernelLocks = KernelLocks()
    ) {
        self.graph = graph
        self.locks = locks
        self.performer = performer
        self.journal = journal
        self.clock = clock
        slots = RunSlots(limit: graph.settings?.limits.concurrentRuns ?? 4)
    }

    /// A fresh run id, for a caller that records something about a run before starting it (the trigger that fired
    /// it) and then passes the id to `run`.
    public func nextRunID() -> String { ids.next() }

    /// Runs `playbook` with `arguments` (missing ones take their defaults). Waits for a run slot and for the
    /// locks of every kernel the run acts on.
    public func run(
        _ playbook: String, arguments: [String: String], trigger: String? = nil, runID: String? = nil
    ) async -> Outcome {
        await slots.acquire()
        defer { Task { await slots.release() } }
        return await execute(playbook, arguments: arguments, trigger: trigger, parent: nil, runID: runID, depth: 0)
    }

    private func execute(
        _ name: String, arguments: [String: String], trigger: String?, parent: String?, runID: String?, depth: Int
    ) async -> Outcome {
        let id: String
        if let runID { id = runID } else { id = ids.next() }
        guard let playbook = graph.playbook(name) else {
            await journal.record(.runFailed(run: id, playbook: name, error: "no playbook `\(name)`"))
            return Outcome(run: id, playbook: name, succeeded: false, error: "no playbook `\(name)`", escalation: [])
        }
        guard depth < 16 else {
            await journal.record(.runFailed(run: id, playbook: name, error: "calls nested deeper than 16"))
            return Outcome(
                run: id, playbook: name, succeeded: false, error: "calls nested deeper than 16", escalation: [])
        }
        let scope = Self.scope(playbook, arguments: arguments, runID: id, trigger: trigger)
        // Journal first, without exception: a run that cannot be recorded does nothing.
        guard
            await journal.record(
                .runStarted(run: id, playbook: name, trigger: trigger, arguments: arguments, parent: parent))
        else {
            await journal.record(.runFailed(run: id, playbook: name, error: Self.journalDown))
            return Outcome(run: id, playbook: name, succeeded: false, error: Self.journalDown, escalation: [])
        }

        // Per-kernel locks, taken at once (no deadlock between runs); a nested call shares its parent's. A run whose
        // trigger addresses the failure's cause goes first (KernelLocks).
        let kernels = depth == 0 ? lockedKernels(playbook, scope: scope) : []
        let priority = depth == 0 ? Self.priority(of: trigger.flatMap(graph.trigger)) : .routine
        if case .superseded(let by) = await locks.acquire(kernels, owner: id, priority: priority) {
            return await superseded(id, playbook: name, by: by, after: "before it began")
        }
        let leftDown = KernelsLeftDown()
        let ending = await withTaskGroup(of: Ending?.self) { group -> Ending in
            group.addTask {
                guard let timeout = playbook.timeout else {
                    return .finished(
                        await self.steps(playbook, scope: scope, runID: id, depth: depth, leftDown: leftDown))
                }
                let error = await self.withTimeout(timeout) {
                    await self.steps(playbook, scope: scope, runID: id, depth: depth, leftDown: leftDown)
                }
                return .finished(error ?? "playbook timed out after \(DurationParser.format(timeout))")
            }
            if !kernels.isEmpty {
                group.addTask { [locks] in (await locks.preemption(of: id)).map(Ending.preempted) }
            }
            var ending = Ending.finished(nil)
            for await next in group {
                guard let next else { continue }
                ending = next
                break
            }
            group.cancelAll()
            return ending
        }
        var error: String?
        switch ending {
        case .preempted(let by):
            let outcome = await superseded(id, playbook: name, by: by, after: "after it began")
            await locks.release(kernels, owner: id)
            return outcome
        case .finished(let stepError):
            error = stepError
        }
        if error == nil, let success = playbook.success {
            error = await checkSuccess(success, scope: scope)
        }
        // Whatever failed the run (a step, its timeout, unmet success criteria), the kernels it took down come back.
        if let error, !error.hasSuffix(Self.journalDown) {
            await bringBack(leftDown, runID: id)
        }
        await locks.release(kernels, owner: id)

        if let error {
            await journal.record(.runFailed(run: id, playbook: name, error: error))
            var escalation: [Outcome] = []
            if error.hasSuffix(Self.journalDown) {
                // Escalating would act too.
            } else if let next = playbook.onFailure?.value, let target = graph.playbook(next) {
                await journal.record(.runEscalated(run: id, from: name, to: next))
                // The escalation gets the arguments it declares, by name.
                let passed = arguments.filter { key, _ in target.parameter(key) != nil }
                escalation.append(
                    await execute(next, arguments: passed, trigger: trigger, parent: id, runID: nil, depth: depth + 1))
            }
            return Outcome(run: id, playbook: name, succeeded: false, error: error, escalation: escalation)
        }
        await journal.record(.runSucceeded(run: id, playbook: name))
        return Outcome(run: id, playbook: name, succeeded: true, error: nil, escalation: [])
    }

    /// How the steps of a run ended: on their own (with the error that failed them, or nil), or preempted.
    private enum Ending: Sendable {
        case finished(String?)
        case preempted(String)
    }

    /// A run's priority from its trigger: `cause` when the condition checks data integrity (`file:`) or names a
    /// known error signature (any `signature:` but `unknown`) anywhere in it; `routine` otherwise and without one.
    static func priority(of trigger: Trigger?) -> RunPriority {
        func addressesCause(_ condition: Condition) -> Bool {
            switch condition {
            case .file: return true
            case .signature(let target, _, _, _): return target.value != "unknown"
            case .all(let parts, _), .any(let parts): return parts.contains { addressesCause($0.condition) }
            default: return false
            }
        }
        return trigger.map { addressesCause($0.when.condition) } == true ? .cause : .routine
    }

    /// Journals that `by` took this run's kernels over; such a run neither escalates nor undoes (the other run now
    /// acts on the kernels).
    private func superseded(_ id: String, playbook: String, by: String, after moment: String) async -> Outcome {
        let reason = "run \(by) addresses the failure's cause and took its kernels over \(moment)"
        await journal.record(.runSuperseded(run: id, playbook: playbook, by: by, reason: reason))
        return Outcome(
            run: id, playbook: playbook, succeeded: false, error: "superseded: \(reason)", escalation: [],
            supersededBy: by)
    }

    /// Starts or resumes, journaled as undos of the steps that took them down, the kernels a failed run left down.
    private func bringBack(_ leftDown: KernelsLeftDown, runID: String) async {
        for entry in leftDown.all {
            guard
                await journal.record(
                    .undoStarted(run: runID, index: entry.index, name: entry.step, action: entry.action.keyword))
            else { return }
            let error: String?
            do {
                let performer = self.performer
                let result = await withTimeout(.seconds(60)) { () -> String? in
                    do {
                        _ = try await performer.perform(entry.action, runID: runID)
                        return nil
                    } catch {
                        return (error as? ActionFailure)?.message ?? "\(error)"
                    }
                }
                error = result ?? "did not finish within 60s"
            }
            await journal.record(.undoFinished(run: runID, index: entry.index, name: entry.step, error: error))
        }
    }

    /// Why a run stopped when the journal could not record what it was about to do.
    static var journalDown: String { "the journal cannot be written, so nothing more is done" }

    /// Runs the steps; returns the error that failed the run, or nil. Undoes completed steps on failure.
    private func steps(
        _ playbook: Playbook, scope: [String: String], runID: String, depth: Int, leftDown: KernelsLeftDown
    ) async -> String? {
        var completed: [(index: Int, step: Step)] = []
        var statuses: [String: StepCondition.Status] = [:]
        for (index, step) in playbook.steps.enumerated() {
            let name = step.name?.value ?? "step-\(index + 1)"
            // Preempted or timed out: the run is over, and what it left down is the run's to bring back.
            if Task.isCancelled { return "step `\(name)` not started: the run was cancelled" }
            if let condition = step.condition, !(await holds(condition, scope: scope, statuses: statuses)) {
                await journal.record(.stepSkipped(run: runID, index: index, name: name, reason: "condition false"))
                statuses[name] = .skipped
                continue
            }
            let error = await perform(step, index: index, name: name, scope: scope, runID: runID, depth: depth)
            if let error {
                statuses[name] = .failed
                // Nothing more is done, undo included: it could not be recorded first either.
                if error == Self.journalDown { return "step `\(name)` not performed: \(error)" }
                if step.continueOnError { continue }
                // A preempted or timed-out run is cancelled: the run decides what comes back, not the undos.
                if Task.isCancelled { return "step `\(name)` failed: \(error)" }
                await undo(completed, scope: scope, runID: runID, leftDown: leftDown)
                return "step `\(name)` failed: \(error)"
            }
            statuses[name] = .succeeded
            if let action = resolve(step.action, scope: scope) {
                leftDown.note(step, action: action, index: index, name: name)
            }
            completed.append((index, step))
        }
        return nil
    }

    /// One step with its retries and timeout; returns the last error or nil.
    private func perform(
        _ step: Step, index: Int, name: String, scope: [String: String], runID: String, depth: Int
    ) async -> String? {
        let retry = step.retry ?? Step.Retry(attempts: 1, delay: .zero, backoff: 1, maxDelay: nil)
        var delay = retry.delay
        var lastError: String?
        for attempt in 1...max(1, retry.attempts) {
            guard
                await journal.record(
                    .stepStarted(run: runID, index: index, name: name, action: step.action.keyword, attempt: attempt))
            else { return Self.journalDown }
            let result = await attemptOnce(step, scope: scope, runID: runID, depth: depth)
            switch result {
            case .success(let detail):
                await journal.record(.stepSucceeded(run: runID, index: index, name: name, detail: detail))
                return nil
            case .failure(let failure):
                lastError = failure.message
                let willRetry = attempt < retry.attempts
                await journal.record(
                    .stepFailed(run: runID, index: index, name: name, error: failure.message, willRetry: willRetry))
                if willRetry {
                    try? await clock.sleep(for: delay)
                    let next = Double(delay.milliseconds) * retry.backoff
                    delay = .milliseconds(Int64(next))
                    if let cap = retry.maxDelay, delay > cap { delay = cap }
                }
            }
        }
        return lastError
    }

    private func attemptOnce(_ step: Step, scope: [String: String], runID: String, depth: Int) async
        -> Result<String, ActionFailure>
    {
        let work: @Sendable () async -> Result<String, ActionFailure> = { [self] in
            if case .call(let callee, let arguments) = step.action {
                let target = render(callee.value, scope)
                var passed: [String: String] = [:]
                for argument in arguments {
                    passed[argument.name.value] = render(argument.value.text ?? "", scope)
                }
                let outcome = await execute(
                    target, arguments: passed, trigger: scope["run.trigger"], parent: runID, runID: nil,
                    depth: depth + 1)
                return outcome.succeeded
                    ? .success("called \(target) (\(outcome.run))")
                    : .failure(ActionFailure("called playbook \(target) failed: \(outcome.error ?? "")"))
            }
            guard let action = resolve(step.action, scope: scope) else {
                return .failure(ActionFailure("cannot resolve `\(step.action.keyword)`: a parameter is missing"))
            }
            // Waiting is the executor's own business: on its clock, so tests control it.
            if case .wait(let duration) = action {
                do {
                    try await clock.sleep(for: duration)
                    return .success(action.summary)
                } catch {
                    return .failure(ActionFailure("wait interrupted"))
                }
            }
            do {
                let outcome = try await performer.perform(action, runID: runID)
                return .success(outcome.detail.isEmpty ? action.summary : outcome.detail)
            } catch {
                return .failure(ActionFailure(String(describing: error)))
            }
        }
        guard let timeout = step.timeout else { return await work() }
        return await withTimeout(timeout, work)
            ?? .failure(ActionFailure("timed out after \(DurationParser.format(timeout))"))
    }

    /// Compensating steps of completed steps, newest first. Undo failures are recorded, not fatal.
    private func undo(
        _ completed: [(index: Int, step: Step)], scope: [String: String], runID: String, leftDown: KernelsLeftDown
    ) async {
        for (index, step) in completed.reversed() where !step.undo.isEmpty {
            let name = step.name?.value ?? "step-\(index + 1)"
            for undoStep in step.undo {
                await journal.record(
                    .undoStarted(run: runID, index: index, name: name, action: undoStep.action.keyword))
                let result = await attemptOnce(undoStep, scope: scope, runID: runID, depth: 0)
                if case .failure(let failure) = result {
                    await journal.record(.undoFinished(run: runID, index: index, name: name, error: failure.message))
                } else {
                    await journal.record(.undoFinished(run: runID, index: index, name: name, error: nil))
                    if let action = resolve(undoStep.action, scope: scope) {
                        leftDown.note(undoStep, action: action, index: index, name: name)
                    }
                }
            }
        }
    }

    private func checkSuccess(_ success: Playbook.SuccessCriteria, scope: [String: String]) async -> String? {
        let kernels = success.healthy.map { render($0.value, scope) }
        let result = await withTimeout(success.within) { () -> Bool in
            for kernel in kernels {
                while !(await self.performer.isHealthy(kernel)) {
                    guard (try? await self.clock.sleep(for: .milliseconds(100))) != nil else { return false }
                }
            }
            return true
        }
        return result == true
            ? nil
            : "success criteria not met: \(kernels.joined(separator: ", ")) not healthy within \(DurationParser.format(success.within))"
    }

    private func holds(_ condition: StepCondition, scope: [String: String], statuses: [String: StepCondition.Status])
        async -> Bool
    {
        switch condition {
        case .healthy(let k): return await performer.isHealthy(render(k.value, scope))
        case .running(let k): return await performer.isRunning(render(k.value, scope))
        case .fileExists(let p): return await performer.fileExists(render(p.value, scope))
        case .equals(let a, let b): return render(a.value, scope) == render(b.value, scope)
        case .step(let name, let status): return statuses[name.value] == status
        case .not(let inner): return !(await holds(inner, scope: scope, statuses: statuses))
        case .all(let parts):
            for part in parts where !(await holds(part, scope: scope, statuses: statuses)) { return false }
            return true
        case .any(let parts):
            for part in parts where await holds(part, scope: scope, statuses: statuses) { return true }
            return false
        }
    }

    // MARK: - Templates

    static func scope(_ playbook: Playbook, arguments: [String: String], runID: String, trigger: String?) -> [String:
        String]
    {
        var scope: [String: String] = ["run.id": runID, "run.playbook": playbook.header.name.value]
        if let trigger { scope["run.trigger"] = trigger }
        for parameter in playbook.params {
            if let value = arguments[parameter.name.value] {
                scope[parameter.name.value] = value
            } else if let d = parameter.defaultValue?.text {
                scope[parameter.name.value] = d
            }
        }
        return scope
    }

    func render(_ text: String, _ scope: [String: String]) -> String {
        guard Template.looksTemplated(text), case .success(let template) = Template.parse(text) else { return text }
        return template.render { scope[$0.joined(separator: ".")] ?? "" } ?? text
    }

    /// Kernels a run locks: every kernel-valued target of its steps, rendered.
    private func lockedKernels(_ playbook: Playbook, scope: [String: String]) -> [String] {
        var kernels: Set<String> = []
        func collect(_ steps: [Step]) {
            for step in steps {
                for target in step.action.targets {
                    if case .value(.kernel) = target.type {
                        let k = render(target.value.value, scope)
                        if graph.kernel(k) != nil { kernels.insert(k) }
                    }
                }
                collect(step.undo)
            }
        }
        collect(playbook.steps)
        return kernels.sorted()
    }

    /// The action with its templates rendered; nil when a target renders empty.
    func resolve(_ action: Action, scope: [String: String]) -> ResolvedAction? {
        func r(_ l: Located<String>) -> String { render(l.value, scope) }
        func nonEmpty(_ l: Located<String>) -> String? {
            let v = r(l)
            return v.isEmpty ? nil : v
        }
        switch action {
        case .start(let k): return nonEmpty(k).map { .start(kernel: $0) }
        case .stop(let k, let s, let g): return nonEmpty(k).map { .stop(kernel: $0, signal: s, grace: g) }
        case .restart(let k, let g): return nonEmpty(k).map { .restart(kernel: $0, grace: g) }
        case .pause(let k): return nonEmpty(k).map { .pause(kernel: $0) }
        case .resume(let k): return nonEmpty(k).map { .resume(kernel: $0) }
        case .signal(let k, let s): return nonEmpty(k).map { .signal(kernel: $0, signal: s) }
        case .exec(let command, let expect, let cwd, let env):
            return .exec(
                arguments: command.value.arguments.map { render($0, scope) }, expect: expect, cwd: cwd,
                environment: env.mapValues { render($0, scope) })
        case .http(let url, let method, let body, let headers, let expect):
            return .http(
                url: r(url), method: method.rawValue, body: body.map(r),
                headers: headers.mapValues { render($0, scope) },
                expect: expect)
        case .waitHealthy(let k): return nonEmpty(k).map { .waitHealthy(kernel: $0) }
        case .wait(let d): return .wait(d)
        case .snapshot(let k, let tag): return nonEmpty(k).map { .snapshot(kernel: $0, tag: tag.map(r)) }
        case .restore(let k, let from): return nonEmpty(k).map { .restore(kernel: $0, from: r(from)) }
        case .verify(let k): return nonEmpty(k).map { .verify(kernel: $0) }
        case .shedLoad(let tier, let keep): return nonEmpty(tier).map { .shedLoad(tier: $0, keep: keep.map(r)) }
        case .restoreLoad(let tier): return nonEmpty(tier).map { .restoreLoad(tier: $0) }
        case .agentTask(let kind, let goal, let refactor):
            return .agentTask(kind: kind.rawValue, goal: goal.map(r), refactor: refactor.map(r), context: scope)
        case .rollbackConfig(let rev): return .rollbackConfig(revision: r(rev))
        case .reload(let target): return nonEmpty(target).map { .reload(target: $0) }
        case .restartComponent(let name): return nonEmpty(name).map { .restartComponent(name: $0) }
        case .failover(let fleet, let to): return nonEmpty(fleet).map { .failover(fleet: $0, to: to.map(r)) }
        case .quarantine(let i, let d): return nonEmpty(i).map { .quarantine(instance: $0, for: d) }
        case .notify(let message, let severity, let webhook):
            return .notify(message: r(message), severity: severity.rawValue, webhook: webhook.map(r))
        case .call:
            return nil
        }
    }

    /// Runs `work`, or gives up after `timeout` on the injected clock (nil). The work is cancelled.
    private func withTimeout<T: Sendable>(_ timeout: Duration, _ work: @escaping @Sendable () async -> T) async -> T? {
        await withTaskGroup(of: T?.self) { group in
            group.addTask { await work() }
            group.addTask { [clock] in
                try? await clock.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}

/// The concurrency limit on playbook runs.
actor RunSlots {
    private let limit: Int
    private var used = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    func acquire() async {
        if used < limit {
            used += 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if !waiters.isEmpty {
            waiters.removeFirst().resume()
        } else {
            used -= 1
        }
    }
}

/// Run ids: short, unique within a process, sortable.
final class RunIDs: Sendable {
    private let counter = Atomic<Int>(0)
    private let prefix = String(UInt32.random(in: 0...UInt32.max), radix: 36)

    func next() -> String {
        "\(prefix)-\(counter.add(1, ordering: .relaxed).newValue)"
    }
}
