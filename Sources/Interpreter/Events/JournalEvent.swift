// The journal's vocabulary: every kind of entry Grace writes, with its fields, encoded and decoded here and
// nowhere else. The journal stores an entry as a dotted kind, an optional kernel and text fields (what the hash
// chain covers and what the API serves); every other layer works with `JournalEvent` cases.
import GraceDSL

/// The kind of a journal entry, as stored and as the API and the dashboard name it.
public enum JournalKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Grace started with a graph; the first entry of every run of `grace run`.
    case graceStarted = "grace.started"
    /// Shutdown began: the kernels are being stopped, in reverse dependency order.
    case graceStopping = "grace.stopping"
    /// The journal could not be written for a while (Grace was degraded); what happened meanwhile is written now.
    case graceJournalRecovered = "grace.journal_recovered"
    /// At start, the journal did not reach the head its anchor file (`journal.head`) recorded: its tail was removed
    /// or rewritten.
    case graceJournalAnchorMismatch = "grace.journal_anchor_mismatch"
    /// Shutdown finished: every kernel has stopped.
    case graceStopped = "grace.stopped"
    /// Grace re-executed itself in place (`grace reexec`, the escalation, an upgrade): the new image kept the pid and
    /// adopted the running kernels.
    case graceReexec = "grace.reexec"
    /// The healer is evaluating the graph's triggers.
    case healerStarted = "healer.started"

    /// A kernel's process was spawned (not yet ready).
    case kernelStarted = "kernel.started"
    /// A kernel is ready to serve.
    case kernelReady = "kernel.ready"
    /// A kernel's process could not be started at all (e.g. its program or user does not exist).
    case kernelSpawnFailed = "kernel.spawn_failed"
    /// A kernel's process ended without Grace asking it to: what triggers on `exit` watch.
    case kernelExited = "kernel.exited"
    /// A kernel stopped because Grace (or a user) asked it to.
    case kernelStopped = "kernel.stopped"
    /// The restart policy will start a kernel again, now or after a backoff.
    case kernelRestarting = "kernel.restarting"
    /// Too many restarts within the policy's window: the kernel stays down until restarted by hand or a playbook.
    case kernelGaveUp = "kernel.gave_up"
    /// A kernel's process group was sent SIGKILL.
    case kernelKill = "kernel.kill"
    /// A kernel was sent its stop signal; its grace period runs.
    case kernelStopping = "kernel.stopping"
    /// A kernel's dependency was not ready when the kernel's turn to start came.
    case kernelDependencyNotReady = "kernel.dependency_not_ready"
    /// A kernel declares memory or CPU limits this host cannot enforce (no delegated cgroup v2).
    case kernelLimitsUnenforced = "kernel.limits_unenforced"
    /// At start, a process a previous (crashed) Grace left running was found.
    case kernelLeftoverFound = "kernel.leftover_found"
    /// A leftover process was stopped.
    case kernelLeftoverStopped = "kernel.leftover_stopped"
    /// A kernel's process group was frozen with SIGSTOP.
    case kernelPaused = "kernel.paused"
    /// A frozen kernel was thawed with SIGCONT.
    case kernelResumed = "kernel.resumed"
    /// A signal was sent to a kernel on request (a `signal` step or the API).
    case kernelSignalled = "kernel.signalled"
    /// A kernel reported a status line over sd_notify.
    case kernelStatus = "kernel.status"
    /// A kernel announced over sd_notify that it is shutting down.
    case kernelStoppingNotified = "kernel.stopping_notified"
    /// A kernel's health probe passes again after failing.
    case kernelHealthy = "kernel.healthy"
    /// A kernel's health probe failed often enough in a row to count as unhealthy.
    case kernelUnhealthy = "kernel.unhealthy"
    /// A kernel with a `watchdog` sent no WATCHDOG=1 in time.
    case kernelWatchdogTimeout = "kernel.watchdog_timeout"
    /// A kernel that waits for readiness was not ready within `start_timeout`; it is killed and restarted by policy.
    case kernelStartTimeout = "kernel.start_timeout"
    /// A restart asked for by a playbook, the API or a reload (not by the restart policy).
    case kernelRestartRequested = "kernel.restart_requested"

    /// A trigger's condition held and its playbook is run.
    case triggerFired = "trigger.fired"
    /// A trigger's condition held but no run followed (cooldown, coalescing, rate limit, no playbook).
    case triggerSuppressed = "trigger.suppressed"

    /// A playbook run began.
    case runStarted = "run.started"
    /// A playbook run finished with every step and its `success:` criteria met.
    case runSucceeded = "run.succeeded"
    /// A playbook run failed: a step (after its undos ran), its timeout or its `success:` criteria.
    case runFailed = "run.failed"
    /// A failed run hands over to its `on_failure` playbook.
    case runEscalated = "run.escalated"
    /// A run that a crashed Grace left unfinished is retried at start.
    case runInterrupted = "run.interrupted"
    /// An unfinished run that was already retried twice is given up.
    case runAbandoned = "run.abandoned"
    /// A run gave its kernels over to a run whose trigger addresses the failure's cause (preempted, or superseded
    /// before it began); it neither escalates nor undoes.
    case runSuperseded = "run.superseded"
    /// A step of a run began (one entry per attempt).
    case stepStarted = "step.started"
    /// A step's action succeeded.
    case stepSucceeded = "step.succeeded"
    /// A step's action failed; it may be retried.
    case stepFailed = "step.failed"
    /// A step was not performed: its `if:` condition did not hold.
    case stepSkipped = "step.skipped"
    /// A failed run began undoing a step that had succeeded.
    case undoStarted = "undo.started"
    /// An undo finished, successfully or not.
    case undoFinished = "undo.finished"
    /// A playbook's `notify` step: a message for the operator.
    case notify = "notify"

    /// A reload compiled and applied a new graph.
    case configReloaded = "config.reloaded"
    /// A reload compiled the same graph as the running one and did nothing.
    case configUnchanged = "config.unchanged"
    /// A reload was refused because the configuration does not compile or cannot be read; the old graph runs on.
    case configInvalid = "config.invalid"

    /// A snapshot of a kernel's data directories was taken.
    case snapshotCreated = "snapshot.created"
    /// A kernel's data directories were restored from a snapshot.
    case snapshotRestored = "snapshot.restored"
    /// Retention deleted a kernel's old snapshots.
    case snapshotPruned = "snapshot.pruned"
    /// A scheduled snapshot could not be taken.
    case snapshotFailed = "snapshot.failed"

    /// The knowledge base counted a run's outcome against the signature it answered.
    case kbOutcome = "kb.outcome"
    /// A run healed an unbound signature, so its playbook is now bound to that signature.
    case kbBindingLearned = "kb.binding_learned"
    /// A learned binding failed often enough to be dropped.
    case kbBindingDropped = "kb.binding_dropped"
    /// A coding-agent task changed state.
    case agentTask = "agent.task"
    /// The coding agent committed a change that passed its gate.
    case agentCommitted = "agent.committed"
    /// The coding agent reverted one of its commits.
    case agentReverted = "agent.reverted"
    /// The running graph stayed healthy for a window: a revision `rollback_config` may go back to.
    case configKnownGood = "config.known_good"
    /// `rollback_config` reverted the configuration to its newest known-good revision.
    case configRolledBack = "config.rolled_back"

    /// One of Grace's own components gave no heartbeat for three of its intervals.
    case componentSilent = "component.silent"
    /// A silent component beats again.
    case componentRecovered = "component.recovered"
    /// Grace's root (or a playbook step, or an operator) cancelled one of Grace's components and started it again.
    case componentRestarted = "component.restarted"
    /// A component broke its supervision limit: the root escalates (rebuild every component, re-execute, operator).
    case componentEscalated = "component.escalated"
    /// The healer and the coding agent were silent together: neither could repair the other.
    case componentDeadlock = "component.deadlock"

    /// This instance took its fleet's lease and promoted itself.
    case fleetPromoted = "fleet.promoted"
    /// This instance gave up or lost its fleet's lease and fenced itself.
    case fleetDemoted = "fleet.demoted"
    /// A fleet member left without handing over (the primary that was replaced, or a standby).
    case fleetMemberLost = "fleet.member_lost"
    /// A frozen holder of the lease on this host was stopped with its kernels.
    case fleetFenced = "fleet.fenced"
    /// This instance left its fleet until healed.
    case fleetQuarantined = "fleet.quarantined"
    /// A quarantined instance passed its checks and rejoined as a standby.
    case fleetRejoined = "fleet.rejoined"

    /// A chaos drill (`grace chaos`) found the steady state and is about to inject its fault.
    case chaosStarted = "chaos.started"
    /// A chaos drill's fault is in.
    case chaosInjected = "chaos.injected"
    /// A chaos drill ended: completed, failed, aborted or interrupted, with its gate checks as measured.
    case chaosFinished = "chaos.finished"

    /// How a reader should take an entry of this kind: the dashboard colours events by it.
    public enum Tone: String, Sendable, Codable, CaseIterable {
        /// Something failed or was lost.
        case bad
        /// Something came up or was healed.
        case good
        /// Worth a look: a restart, a pause, a suppression.
        case warn
        /// Grace acting: triggers, runs and steps.
        case heal
        /// Bookkeeping.
        case neutral
    }

    /// How the dashboard colours entries of this kind.
    public var tone: Tone {
        switch self {
        case .kernelExited, .kernelGaveUp, .kernelSpawnFailed, .kernelUnhealthy, .kernelWatchdogTimeout, .kernelKill,
            .kernelStartTimeout,
            .runFailed, .runEscalated, .runAbandoned, .stepFailed, .configInvalid, .snapshotFailed, .kbBindingDropped,
            .graceJournalAnchorMismatch, .componentSilent, .componentEscalated, .componentDeadlock, .fleetMemberLost,
            .fleetFenced:
            .bad
        case .kernelStarted, .kernelReady, .kernelHealthy, .kernelResumed, .kernelLeftoverStopped, .runSucceeded,
            .stepSucceeded, .configReloaded, .graceStarted, .graceReexec, .kbBindingLearned, .snapshotCreated,
            .snapshotRestored,
            .agentCommitted, .configKnownGood, .componentRecovered, .fleetPromoted, .fleetRejoined:
            .good
        case .runSuperseded, .kernelRestarting, .kernelPaused, .kernelSignalled, .kernelLeftoverFound,
            .kernelDependencyNotReady,
            .kernelLimitsUnenforced,
            .kernelRestartRequested,
            .kernelStopping, .triggerSuppressed, .runInterrupted, .graceStopping, .graceJournalRecovered,
            .agentReverted, .configRolledBack, .componentRestarted, .fleetDemoted, .fleetQuarantined, .chaosInjected:
            .warn
        // A finished drill is good or bad by its `status`, which a tone per kind cannot say: like `undo.finished`
        // and `kb.outcome`, whose outcome is in their fields too, it is Grace's own business (the chaos panel
        // colours each drill by its status).
        case .triggerFired, .runStarted, .stepStarted, .undoStarted, .undoFinished, .healerStarted, .kbOutcome,
            .notify, .agentTask, .chaosStarted, .chaosFinished:
            .heal
        case .graceStopped, .kernelStopped, .kernelStatus, .kernelStoppingNotified, .configUnchanged,
            .snapshotPruned, .stepSkipped:
            .neutral
        }
    }

    /// One line on what an entry of this kind records (served by the API, listed in docs/runtime.md).
    public var summary: String {
        switch self {
        case .graceStarted: "Grace started (fields: graph, pid)"
        case .graceStopping: "Grace is shutting down and stops the kernels"
        case .graceJournalRecovered:
            "the journal was unwritable (Grace degraded); its events are written late (outage_ms, error, lost)"
        case .graceJournalAnchorMismatch: "the journal does not reach its recorded head (reason, anchor_id, head_id)"
        case .graceStopped: "every kernel stopped; Grace exits"
        case .graceReexec:
            "Grace re-executed itself in place and adopted its kernels (generation, reason, executable, adopted, "
                + "started, stopped, handoff_ms)"
        case .healerStarted: "the healer evaluates triggers (fields: triggers)"
        case .kernelStarted: "a kernel's process was spawned (pid)"
        case .kernelReady: "a kernel is ready: READY=1, its first passing probe, or at once (pid)"
        case .kernelSpawnFailed: "a kernel could not be started (reason)"
        case .kernelExited: "a kernel's process ended unasked (pid, code or signal and core, ran_ms)"
        case .kernelStopped: "a kernel stopped as asked (pid, code or signal; or reason)"
        case .kernelRestarting: "a restart by policy (attempt, delay_ms)"
        case .kernelGaveUp: "the restart intensity limit was breached; no more restarts (reason)"
        case .kernelKill: "SIGKILL to a kernel's process group (pid, reason)"
        case .kernelStopping: "the stop signal was sent (pid, reason)"
        case .kernelDependencyNotReady: "a dependency was not ready in time (dependency, action)"
        case .kernelLimitsUnenforced: "declared limits this host does not enforce (limits, reason)"
        case .kernelLeftoverFound: "a process a previous Grace left running (pid)"
        case .kernelLeftoverStopped: "that process was stopped (pid, how)"
        case .kernelPaused: "SIGSTOP to a kernel's process group (pid, reason)"
        case .kernelResumed: "SIGCONT to a kernel's process group (pid, reason)"
        case .kernelSignalled: "a signal sent to a kernel's process group (pid, signal)"
        case .kernelStatus: "STATUS= from a kernel over sd_notify (status)"
        case .kernelStoppingNotified: "STOPPING=1 from a kernel over sd_notify (pid)"
        case .kernelHealthy: "a kernel's probe passes again"
        case .kernelUnhealthy: "a kernel's probe failed `failures` times in a row (reason, failures)"
        case .kernelWatchdogTimeout: "no WATCHDOG=1 within `watchdog` (after_ms)"
        case .kernelStartTimeout: "not ready within `start_timeout`: the start failed (pid, after_ms)"
        case .kernelRestartRequested: "a restart asked for, not by the restart policy (pid, origin, reason)"
        case .triggerFired: "a trigger fired and runs its playbook (trigger, playbook, run, event.*)"
        case .triggerSuppressed: "a trigger fired but did not run (trigger, reason, event.*)"
        case .runStarted: "a playbook run began (run, playbook, trigger, parent, arg.*)"
        case .runSucceeded: "a run succeeded (run, playbook)"
        case .runFailed: "a run failed (run, playbook, error)"
        case .runEscalated: "a failed run escalates to its on_failure playbook (run, from, to)"
        case .runInterrupted: "a run a crashed Grace left unfinished is retried (run, playbook, action)"
        case .runAbandoned: "a run already retried twice is not retried again (run, playbook)"
        case .runSuperseded: "a run gave its kernels over to a run that addresses the cause (run, playbook, by, reason)"
        case .stepStarted: "a step began (run, step, name, action, attempt)"
        case .stepSucceeded: "a step succeeded (run, step, name, detail)"
        case .stepFailed: "a step failed (run, step, name, error, retry)"
        case .stepSkipped: "a step was skipped (run, step, name, reason)"
        case .undoStarted: "a failed run undoes a step (run, step, name, action)"
        case .undoFinished: "that undo finished (run, step, name, error)"
        case .notify: "a `notify` step (run, message, severity)"
        case .configReloaded: "a reload applied a new graph (reason, graph, added, changed, removed, ms)"
        case .configUnchanged: "a reload found nothing changed (reason, graph)"
        case .configInvalid:
            "a reload was refused; the running graph stays (reason, errors, file, code, error.N; or error)"
        case .snapshotCreated: "a snapshot of a kernel's data (id, files, bytes, good, run or reason)"
        case .snapshotRestored: "a kernel's data was restored (id, run or reason)"
        case .snapshotPruned: "old snapshots removed by retention (removed)"
        case .snapshotFailed: "a scheduled snapshot failed (error)"
        case .kbOutcome: "a run's outcome counted for a signature's binding (signature, playbook, run, healed, ...)"
        case .kbBindingLearned: "a run healed a signature: its playbook is now bound to it (same fields)"
        case .kbBindingDropped: "a learned binding fell below the confidence threshold (same fields)"
        case .agentTask: "a coding-agent task changed state (task, type, state, detail, event, run, commit)"
        case .agentCommitted: "the agent committed a change that passed its gate (task, commit, summary, files)"
        case .agentReverted: "the agent reverted its commit (task, commit, revert, evidence)"
        case .configKnownGood: "the running graph stayed healthy for a window (graph, revision)"
        case .configRolledBack: "rollback_config went back to a known-good revision (revision, reverted, run)"
        case .componentSilent:
            "a component of Grace gave no heartbeat for 3 intervals (component, period_ms, silent_ms)"
        case .componentRecovered: "a silent component beats again (component, period_ms, silent_ms)"
        case .componentRestarted:
            "a component of Grace was cancelled and started again (component, reason, by, incarnation, restarts, ms)"
        case .componentEscalated:
            "a component broke its supervision limit (component, restarts, within_ms, to: rebuild, reexec or operator)"
        case .componentDeadlock: "healer and agent were silent together (members); the root restarts them in turn"
        case .fleetPromoted:
            "this instance took the lease and promoted itself (fleet, instance, token, previous, started)"
        case .fleetDemoted:
            "this instance gave up or lost the lease and stopped its primary-only kernels (fleet, instance, token, "
                + "reason, stopped)"
        case .fleetMemberLost: "a member left without handing over (fleet, instance, role, token, by)"
        case .fleetFenced:
            "a frozen lease holder on this host was killed with its kernels (fleet, instance, pid, token, killed)"
        case .fleetQuarantined:
            "this instance left its fleet and stopped its kernels until healed (fleet, instance, until, reason)"
        case .fleetRejoined:
            "a quarantined instance passed its checks and rejoined as a standby (fleet, instance, checks)"
        case .chaosStarted:
            "a chaos drill found the steady state and injects its fault next (drill, scenario, fault, seed)"
        case .chaosInjected: "a chaos drill's fault is in (drill, scenario, fault, detail, seed)"
        case .chaosFinished:
            "a chaos drill ended (drill, scenario, fault, status, deviated, healed_ms, gates_failed, gate.N, detail, "
                + "seed)"
        }
    }
}

/// Who restarted a kernel: its restart policy, a playbook step, the API (an operator), or a reload that changed it.
public enum RestartOrigin: String, Sendable, Hashable, CaseIterable {
    /// The kernel's `restart:` policy after a failure (`kernel.restarting`).
    case policy
    /// A playbook's `restart` step.
    case playbook
    /// `POST /v1/kernels/NAME/restart` (`grace kernel restart`).
    case api
    /// A reload that changed the kernel's document.
    case reload
}

/// What a knowledge-base entry says about one run that answered an error signature.
public struct KnowledgeVerdict: Sendable, Hashable {
    /// The mined signature's stable id (see `SignatureSighting.signature`).
    public var signature: String
    /// The playbook that answered the signature.
    public var playbook: String
    /// The id of the run whose outcome this is.
    public var run: String
    /// Whether the run healed: it succeeded and, for `success_window` after it, the kernel did not fail, stayed
    /// healthy and did not log the signature again.
    public var healed: Bool
    /// The binding's runs that healed, this one included.
    public var successes: Int
    /// The binding's runs that did not heal, this one included.
    public var failures: Int
    /// The binding's expected success rate after this outcome.
    public var expectedSuccess: Double
    /// The signature's template (variables as `<*>`); nil when the knowledge base has no record of it.
    public var template: String?

    /// Makes a verdict from its parts; the healer fills it when it judges a run that answered a signature.
    public init(
        signature: String, playbook: String, run: String, healed: Bool, successes: Int, failures: Int,
        expectedSuccess: Double, template: String? = nil
    ) {
        self.signature = signature
        self.playbook = playbook
        self.run = run
        self.healed = healed
        self.successes = successes
        self.failures = failures
        self.expectedSuccess = expectedSuccess
        self.template = template
    }
}

/// Something Grace journals, before it acts on it. One case per kind of entry (`config.invalid` has two, for a
/// configuration that does not compile and one that cannot be read); `unrecognized` keeps an entry whose kind or
/// fields this build does not know (a journal written by another version) readable.
public enum JournalEvent: Sendable, Hashable {
    // Grace itself
    /// Grace started: `graph` is the first 16 hex digits of the graph's content hash, `pid` Grace's own.
    case graceStarted(graph: String, pid: Int32)
    /// Shutdown began (SIGTERM, SIGINT or `grace stop`); kernels stop in reverse dependency order.
    case graceStopping
    /// Every kernel stopped; Grace exits after this entry.
    case graceStopped
    /// Grace re-executed itself in place (same pid) as generation `generation` of this run, because of `reason`,
    /// from `executable`: it adopted the kernels `adopted`, started `started` (their handoff entry was stale or
    /// they could not be adopted) and stopped `stopped` (no longer configured); `handoff` is how long it took from
    /// the request to the adoption.
    case graceReexec(
        generation: Int, reason: String, executable: String, adopted: [String], started: [String],
        stopped: [String], handoff: Duration)
    /// The journal could be written again after `outage`; `error` is the last write error, `lost` the events
    /// dropped because more were waiting than Grace holds.
    case graceJournalRecovered(outage: Duration, error: String, lost: Int)
    /// At start the journal ended at `headID` but its anchor file recorded `anchorID`; `reason` says how they differ.
    case graceJournalAnchorMismatch(reason: String, anchorID: Int64, headID: Int64)
    /// The healer runs: `triggers` is how many it evaluates (enabled ones this runtime can observe).
    case healerStarted(triggers: Int)

    // A kernel's life
    /// A kernel's process was spawned with this pid (also its process group).
    case kernelStarted(kernel: String, pid: Int32)
    /// A kernel became ready: READY=1 over sd_notify, its first passing probe, or at once without either.
    case kernelReady(kernel: String, pid: Int32)
    /// A kernel's process could not be started; `reason` says why in words.
    case kernelSpawnFailed(kernel: String, reason: String)
    /// A kernel's process ended without being asked to; `ran` is how long it had run (stored in whole ms).
    case kernelExited(kernel: String, pid: Int32, status: ExitStatus, ran: Duration)
    /// Stopped as asked: the process's end, or (`pid` nil) a kernel that had no process (backing off, gave up).
    case kernelStopped(kernel: String, pid: Int32?, status: ExitStatus?, reason: String?)
    /// The restart policy restarts a kernel: `attempt` counts from 1 since its last stable run, `delay` is the
    /// backoff before the spawn (zero for the first, stored in whole ms).
    case kernelRestarting(kernel: String, attempt: Int, delay: Duration)
    /// Restarts exceeded the policy's intensity limit: no more restarts until one is asked for.
    case kernelGaveUp(kernel: String, reason: String)
    /// SIGKILL to a kernel's process group, e.g. when its stop grace period ran out.
    case kernelKill(kernel: String, pid: Int32, reason: String)
    /// A kernel's stop signal was sent to its process group; SIGKILL follows if the grace period runs out.
    case kernelStopping(kernel: String, pid: Int32, reason: String)
    /// At boot, `dependency` was not ready in time; `action` says what Grace did instead ("starting anyway").
    case kernelDependencyNotReady(kernel: String, dependency: String, action: String)
    /// At a kernel's first start: `limits` (`memory=256MiB cpu=50%`) are declared but not enforced, for `reason`.
    case kernelLimitsUnenforced(kernel: String, limits: String, reason: String)
    /// At start, a process of `kernel` that a previous Grace left running was found.
    case kernelLeftoverFound(kernel: String, pid: Int32)
    /// That leftover was stopped: `how` is `signal` (it ended on its stop signal) or `killed` (SIGKILL).
    case kernelLeftoverStopped(kernel: String, pid: Int32, how: String)
    /// SIGSTOP to a kernel's process group (a `pause` step or the API).
    case kernelPaused(kernel: String, pid: Int32, reason: String)
    /// SIGCONT to a paused kernel's process group.
    case kernelResumed(kernel: String, pid: Int32, reason: String)
    /// `signal` (its number) was sent to a kernel's process group by a `signal` step or request.
    case kernelSignalled(kernel: String, pid: Int32, signal: Int32)
    /// STATUS= from a kernel over sd_notify, as sent.
    case kernelStatus(kernel: String, status: String)
    /// STOPPING=1 from a kernel over sd_notify: it is shutting down by itself.
    case kernelStoppingNotified(kernel: String, pid: Int32)
    /// A kernel's health probe passes again after it was unhealthy.
    case kernelHealthy(kernel: String)
    /// A kernel's probe failed `failures` times in a row (its `failures` threshold); `reason` is the last failure.
    case kernelUnhealthy(kernel: String, reason: String, failures: Int)
    /// No WATCHDOG=1 from a kernel within `after`, its `watchdog` interval (stored in whole ms).
    case kernelWatchdogTimeout(kernel: String, after: Duration)
    /// Not ready within `start_timeout`; the kill and the exit that follow count as a failed start.
    case kernelStartTimeout(kernel: String, pid: Int32, after: Duration)
    /// A restart asked for by a playbook, the API or a reload (`pid` nil when the kernel had no process).
    case kernelRestartRequested(kernel: String, pid: Int32?, origin: RestartOrigin, reason: String)

    // Triggers: `evidence` is what the firing carried (its `event.*` fields).
    /// A trigger fired and runs `playbook`; `kernel` is the one the firing event was about, if any.
    case triggerFired(
        trigger: String, playbook: String, kernel: String?, evidence: [String: String], run: String? = nil)
    /// A trigger fired but ran nothing: `reason` is `cooldown`, `coalesced`, `rate-limited` or `no-playbook`.
    case triggerSuppressed(trigger: String, reason: String, kernel: String?, evidence: [String: String])

    // Playbook runs
    /// A run began: `trigger` nil when started by hand, `parent` the run that called or escalated to it (nil for
    /// a top-level run); the arguments are stored as `arg.*` fields.
    case runStarted(run: String, playbook: String, trigger: String?, arguments: [String: String], parent: String?)
    /// A step began: `index` is its 0-based position in the playbook, `name` its name or `step-N`, `action` its
    /// action keyword (`restart`, `exec`, ...), `attempt` counts from 1 across retries.
    case stepStarted(run: String, index: Int, name: String, action: String, attempt: Int)
    /// A step succeeded; `detail` is what the action reported (may be empty).
    case stepSucceeded(run: String, index: Int, name: String, detail: String)
    /// A step failed; `willRetry` when its `retry:` allows another attempt.
    case stepFailed(run: String, index: Int, name: String, error: String, willRetry: Bool)
    /// A step was skipped; `reason` is `condition false` (its `if:` did not hold).
    case stepSkipped(run: String, index: Int, name: String, reason: String)
    /// A failed run undoes step `index`, which had succeeded (newest first); `action` is the undo's keyword.
    case undoStarted(run: String, index: Int, name: String, action: String)
    /// That undo finished; `error` nil when it succeeded.
    case undoFinished(run: String, index: Int, name: String, error: String?)
    /// A run succeeded, its `success:` criteria (kernels healthy within a time) included.
    case runSucceeded(run: String, playbook: String)
    /// A run failed; `error` says why (a step, the playbook's timeout, unmet `success:`, an unknown playbook).
    case runFailed(run: String, playbook: String, error: String)
    /// A failed run escalates from playbook `from` to its `on_failure` playbook `to`.
    case runEscalated(run: String, from: String, to: String)
    /// A run a crashed Grace left unfinished; `action` is what happens to it (`retry`, as run `<run>-retry`).
    case runInterrupted(run: String, playbook: String, action: String)
    /// An unfinished run already retried twice is not retried again, so a run that crashes Grace cannot loop.
    case runAbandoned(run: String, playbook: String)
    /// Run `by`, whose trigger addresses the failure's cause, took the kernels of `run` over.
    case runSuperseded(run: String, playbook: String, by: String, reason: String)
    /// A `notify` step's rendered message; `severity` is `info`, `warning` or `critical`.
    case notify(run: String, message: String, severity: String)

    // Configuration
    /// A reload applied a new graph: the kernels added, changed and removed, and how long it took in ms.
    case configReloaded(
        reason: String, graph: String, added: [String], changed: [String], removed: [String], milliseconds: Double)
    /// A reload compiled the graph already running (same content hash), so nothing changed.
    case configUnchanged(reason: String, graph: String)
    /// The configuration does not compile: the error count, the first few errors as `file:line:col: CODE text`,
    /// and the file and code of the first (what `config: invalid` triggers match).
    case configInvalid(reason: String, errorCount: Int, errors: [String], file: String, code: String)
    /// The configuration could not be read at all.
    case configUnreadable(reason: String, error: String)

    // Snapshots: `run` when a playbook step took it, `reason` otherwise (`api`, `schedule`).
    /// A snapshot was taken: `files` counted, `bytes` their total size (nil where the taker did not record it),
    /// `good` when the kernel was healthy at the time (what `last_good` restores).
    case snapshotCreated(
        kernel: String, id: String, files: Int, bytes: Int64?, good: Bool, run: String?, reason: String?)
    /// A kernel's data directories were put back from snapshot `id`.
    case snapshotRestored(kernel: String, id: String, run: String?, reason: String?)
    /// Retention (the grace document's `snapshots.keep`) deleted `removed` of a kernel's snapshots.
    case snapshotPruned(kernel: String, removed: Int)
    /// A scheduled snapshot of a kernel could not be taken or pruned.
    case snapshotFailed(kernel: String, error: String)

    // The knowledge base
    /// A run's outcome was counted for the binding of a signature seen on `kernel`.
    case kbOutcome(kernel: String, KnowledgeVerdict)
    /// A run healed an unbound signature: its playbook is now bound to it.
    case kbBindingLearned(kernel: String, KnowledgeVerdict)
    /// A learned binding's expected success fell below the drop threshold; it is no longer chosen.
    case kbBindingDropped(kernel: String, KnowledgeVerdict)

    // The coding agent
    /// Task `task` (of `type`) entered `state`; `event` is the agent's own id of the change (what the journal has
    /// recorded up to), `run` the playbook run that asked for the task, `commit` its commit once there is one.
    case agentTask(
        task: Int64, type: String, state: String, detail: String, event: Int64, kernel: String?, run: String?,
        commit: String?)
    /// The agent committed `summary` as `commit` for `task`, editing `files`.
    case agentCommitted(task: Int64, commit: String, summary: String, files: [String])
    /// The agent reverted `commit` of `task` with commit `revert`, because of `evidence`.
    case agentReverted(task: Int64, commit: String, revert: String, evidence: String)
    /// The graph `graph` (content hash prefix) ran with every kernel healthy for a window, at git `revision`.
    case configKnownGood(graph: String, revision: String)
    /// `rollback_config` reverted `reverted` commits to return to `revision`, in run `run`.
    case configRolledBack(revision: String, reverted: [String], run: String?)

    // Grace's own components
    /// `component` (beating every `period`) has given no heartbeat for `silent`.
    case componentSilent(component: String, period: Duration, silent: Duration)
    /// `component` beats again after `silent` without a heartbeat.
    case componentRecovered(component: String, period: Duration, silent: Duration)
    /// `component` was cancelled and started again as its `incarnation`th run, because of `reason`, by `by` (`root`,
    /// `run ID`, `operator`); `restarts` within its supervision window; the old run ended and the new one began in
    /// `took`.
    case componentRestarted(
        component: String, reason: String, by: String, incarnation: Int, restarts: Int, took: Duration)
    /// `component` was restarted `restarts` times within `within`, its limit: the root escalates to `to` (`rebuild`,
    /// `reexec` or `operator`).
    case componentEscalated(component: String, restarts: Int, within: Duration, to: String)
    /// The components `members` were silent at the same time (the healer and the agent): a deadlock.
    case componentDeadlock(members: [String])

    // Fleets
    /// A change of `instance`'s place in `fleet` (`kind` is one of the `fleet.*` kinds); `details` are the kind's
    /// other fields (see `JournalKind.summary`).
    case fleet(kind: FleetChange, fleet: String, instance: String, details: [String: String])

    // Chaos drills
    /// A phase of drill `drill` of scenario `scenario` (`kong` or `random` for those drills), as its runner reported
    /// it through `POST /v1/chaos/drills`; `details` are the phase's other fields (see `JournalKind.summary`).
    case chaos(phase: ChaosPhase, drill: String, scenario: String, details: [String: String])

    /// An entry this build cannot decode (unknown kind, or fields that do not fit it), kept exactly as stored.
    case unrecognized(kind: String, kernel: String?, fields: [String: String])

    /// The kind as stored; nil for `unrecognized`.
    public var kind: JournalKind? {
        switch self {
        case .graceStarted: .graceStarted
        case .graceStopping: .graceStopping
        case .graceJournalRecovered: .graceJournalRecovered
        case .graceJournalAnchorMismatch: .graceJournalAnchorMismatch
        case .graceStopped: .graceStopped
        case .graceReexec: .graceReexec
        case .healerStarted: .healerStarted
        case .kernelStarted: .kernelStarted
        case .kernelReady: .kernelReady
        case .kernelSpawnFailed: .kernelSpawnFailed
        case .kernelExited: .kernelExited
        case .kernelStopped: .kernelStopped
        case .kernelRestarting: .kernelRestarting
        case .kernelGaveUp: .kernelGaveUp
        case .kernelKill: .kernelKill
        case .kernelStopping: .kernelStopping
        case .kernelDependencyNotReady: .kernelDependencyNotReady
        case .kernelLimitsUnenforced: .kernelLimitsUnenforced
        case .kernelLeftoverFound: .kernelLeftoverFound
        case .kernelLeftoverStopped: .kernelLeftoverStopped
        case .kernelPaused: .kernelPaused
        case .kernelResumed: .kernelResumed
        case .kernelSignalled: .kernelSignalled
        case .kernelStatus: .kernelStatus
        case .kernelStoppingNotified: .kernelStoppingNotified
        case .kernelHealthy: .kernelHealthy
        case .kernelUnhealthy: .kernelUnhealthy
        case .kernelWatchdogTimeout: .kernelWatchdogTimeout
        case .kernelStartTimeout: .kernelStartTimeout
        case .kernelRestartRequested: .kernelRestartRequested
        case .triggerFired: .triggerFired
        case .triggerSuppressed: .triggerSuppressed
        case .runStarted: .runStarted
        case .stepStarted: .stepStarted
        case .stepSucceeded: .stepSucceeded
        case .stepFailed: .stepFailed
        case .stepSkipped: .stepSkipped
        case .undoStarted: .undoStarted
        case .undoFinished: .undoFinished
        case .runSucceeded: .runSucceeded
        case .runFailed: .runFailed
        case .runEscalated: .runEscalated
        case .runInterrupted: .runInterrupted
        case .runAbandoned: .runAbandoned
        case .runSuperseded: .runSuperseded
        case .notify: .notify
        case .configReloaded: .configReloaded
        case .configUnchanged: .configUnchanged
        case .configInvalid, .configUnreadable: .configInvalid
        case .agentTask: .agentTask
        case .agentCommitted: .agentCommitted
        case .agentReverted: .agentReverted
        case .configKnownGood: .configKnownGood
        case .configRolledBack: .configRolledBack
        case .componentSilent: .componentSilent
        case .componentRecovered: .componentRecovered
        case .componentRestarted: .componentRestarted
        case .componentEscalated: .componentEscalated
        case .componentDeadlock: .componentDeadlock
        case .fleet(let change, _, _, _): change.kind
        case .chaos(let phase, _, _, _): phase.kind
        case .snapshotCreated: .snapshotCreated
        case .snapshotRestored: .snapshotRestored
        case .snapshotPruned: .snapshotPruned
        case .snapshotFailed: .snapshotFailed
        case .kbOutcome: .kbOutcome
        case .kbBindingLearned: .kbBindingLearned
        case .kbBindingDropped: .kbBindingDropped
        case .unrecognized: nil
        }
    }

    /// The stored kind text.
    public var kindName: String {
        if case .unrecognized(let kind, _, _) = self { return kind }
        return kind?.rawValue ?? ""
    }

    /// The kernel the entry is about, if any.
    public var kernel: String? {
        switch self {
        case .kernelStarted(let k, _), .kernelReady(let k, _), .kernelSpawnFailed(let k, _),
            .kernelExited(let k, _, _, _), .kernelStopped(let k, _, _, _), .kernelRestarting(let k, _, _),
            .kernelGaveUp(let k, _), .kernelKill(let k, _, _), .kernelStopping(let k, _, _),
            .kernelDependencyNotReady(let k, _, _), .kernelLimitsUnenforced(let k, _, _),
            .kernelLeftoverFound(let k, _), .kernelLeftoverStopped(let k, _, _),
            .kernelPaused(let k, _, _), .kernelResumed(let k, _, _), .kernelSignalled(let k, _, _),
            .kernelStatus(let k, _), .kernelStoppingNotified(let k, _), .kernelHealthy(let k),
            .kernelUnhealthy(let k, _, _), .kernelWatchdogTimeout(let k, _), .kernelStartTimeout(let k, _, _),
            .kernelRestartRequested(let k, _, _, _), .snapshotCreated(let k, _, _, _, _, _, _),
            .snapshotRestored(let k, _, _, _), .snapshotPruned(let k, _), .snapshotFailed(let k, _),
            .kbOutcome(let k, _), .kbBindingLearned(let k, _), .kbBindingDropped(let k, _):
            k
        case .triggerFired(_, _, let k, _, _), .triggerSuppressed(_, _, let k, _), .unrecognized(_, let k, _),
            .agentTask(_, _, _, _, _, let k, _, _):
            k
        default:
            nil
        }
    }

    /// The playbook run the entry belongs to, if any.
    public var run: String? {
        switch self {
        case .triggerFired(_, _, _, _, let r): r
        case .runStarted(let r, _, _, _, _), .stepStarted(let r, _, _, _, _), .stepSucceeded(let r, _, _, _),
            .stepFailed(let r, _, _, _, _), .stepSkipped(let r, _, _, _), .undoStarted(let r, _, _, _),
            .undoFinished(let r, _, _, _), .runSucceeded(let r, _), .runFailed(let r, _, _),
            .runEscalated(let r, _, _), .runInterrupted(let r, _, _), .runAbandoned(let r, _),
            .runSuperseded(let r, _, _, _),
            .notify(let r, _, _):
            r
        case .agentTask(_, _, _, _, _, _, let r, _): r
        case .configRolledBack(_, _, let r): r
        case .snapshotCreated(_, _, _, _, _, let r, _), .snapshotRestored(_, _, let r, _):
            r
        case .kbOutcome(_, let v), .kbBindingLearned(_, let v), .kbBindingDropped(_, let v):
            v.run
        default:
            nil
        }
    }

    // MARK: - Encoding

    /// The entry's fields as stored: text only, so that every entry hashes the same way on every machine.
    public var fields: [String: String] {
        switch self {
        case .graceStarted(let graph, let pid): return ["graph": graph, "pid": String(pid)]
        case .graceStopping, .graceStopped: return [:]
        case .graceReexec(
            let generation, let reason, let executable, let adopted, let started, let stopped, let handoff):
            return [
                "generation": String(generation), "reason": reason, "executable": executable,
                "adopted": adopted.joined(separator: ","), "started": started.joined(separator: ","),
                "stopped": stopped.joined(separator: ","), "handoff_ms": String(handoff.milliseconds),
            ]
        case .graceJournalRecovered(let outage, let error, let lost):
            return ["outage_ms": String(outage.milliseconds), "error": error, "lost": String(lost)]
        case .graceJournalAnchorMismatch(let reason, let anchorID, let headID):
            return ["reason": reason, "anchor_id": String(anchorID), "head_id": String(headID)]
        case .healerStarted(let triggers): return ["triggers": String(triggers)]
        case .kernelStarted(_, let pid), .kernelReady(_, let pid), .kernelLeftoverFound(_, let pid),
            .kernelStoppingNotified(_, let pid):
            return ["pid": String(pid)]
        case .kernelSpawnFailed(_, let reason), .kernelGaveUp(_, let reason): return ["reason": reason]
        case .kernelExited(_, let pid, let status, let ran):
            var f = Self.fields(of: status)
            f["pid"] = String(pid)
            f["ran_ms"] = String(ran.milliseconds)
            return f
        case .kernelStopped(_, let pid, let status, let reason):
            var f = status.map(Self.fields(of:)) ?? [:]
            if let pid { f["pid"] = String(pid) }
            if let reason { f["reason"] = reason }
            return f
        case .kernelRestarting(_, let attempt, let delay):
            return ["attempt": String(attempt), "delay_ms": String(delay.milliseconds)]
        case .kernelKill(_, let pid, let reason), .kernelStopping(_, let pid, let reason),
            .kernelPaused(_, let pid, let reason), .kernelResumed(_, let pid, let reason):
            return ["pid": String(pid), "reason": reason]
        case .kernelDependencyNotReady(_, let dependency, let action):
            return ["dependency": dependency, "action": action]
        case .kernelLimitsUnenforced(_, let limits, let reason): return ["limits": limits, "reason": reason]
        case .kernelLeftoverStopped(_, let pid, let how): return ["pid": String(pid), "how": how]
        case .kernelSignalled(_, let pid, let signal): return ["pid": String(pid), "signal": String(signal)]
        case .kernelStatus(_, let status): return ["status": status]
        case .kernelHealthy: return [:]
        case .kernelUnhealthy(_, let reason, let failures): return ["reason": reason, "failures": String(failures)]
        case .kernelWatchdogTimeout(_, let after): return ["after_ms": String(after.milliseconds)]
        case .kernelStartTimeout(_, let pid, let after):
            return ["pid": String(pid), "after_ms": String(after.milliseconds)]
        case .kernelRestartRequested(_, let pid, let origin, let reason):
            var f = ["origin": origin.rawValue, "reason": reason]
            if let pid { f["pid"] = String(pid) }
            return f
        case .triggerFired(let trigger, let playbook, _, let evidence, let run):
            var f = Self.prefixed(evidence, "event.", into: ["trigger": trigger, "playbook": playbook])
            if let run { f["run"] = run }
            return f
        case .triggerSuppressed(let trigger, let reason, _, let evidence):
            return Self.prefixed(evidence, "event.", into: ["trigger": trigger, "reason": reason])
        case .runStarted(let run, let playbook, let trigger, let arguments, let parent):
            var f = Self.prefixed(arguments, "arg.", into: ["run": run, "playbook": playbook])
            if let trigger { f["trigger"] = trigger }
            if let parent { f["parent"] = parent }
            return f
        case .stepStarted(let run, let index, let name, let action, let attempt):
            return ["run": run, "step": String(index), "name": name, "action": action, "attempt": String(attempt)]
        case .stepSucceeded(let run, let index, let name, let detail):
            return ["run": run, "step": String(index), "name": name, "detail": detail]
        case .stepFailed(let run, let index, let name, let error, let willRetry):
            return ["run": run, "step": String(index), "name": name, "error": error, "retry": String(willRetry)]
        case .stepSkipped(let run, let index, let name, let reason):
            return ["run": run, "step": String(index), "name": name, "reason": reason]
        case .undoStarted(let run, let index, let name, let action):
            return ["run": run, "step": String(index), "name": name, "action": action]
        case .undoFinished(let run, let index, let name, let error):
            var f = ["run": run, "step": String(index), "name": name]
            if let error { f["error"] = error }
            return f
        case .runSucceeded(let run, let playbook), .runAbandoned(let run, let playbook):
            return ["run": run, "playbook": playbook]
        case .runFailed(let run, let playbook, let error): return ["run": run, "playbook": playbook, "error": error]
        case .runSuperseded(let run, let playbook, let by, let reason):
            return ["run": run, "playbook": playbook, "by": by, "reason": reason]
        case .runEscalated(let run, let from, let to): return ["run": run, "from": from, "to": to]
        case .runInterrupted(let run, let playbook, let action):
            return ["run": run, "playbook": playbook, "action": action]
        case .notify(let run, let message, let severity): return ["message": message, "severity": severity, "run": run]
        case .configReloaded(let reason, let graph, let added, let changed, let removed, let ms):
            return [
                "reason": reason, "graph": graph, "added": added.joined(separator: ","),
                "changed": changed.joined(separator: ","), "removed": removed.joined(separator: ","),
                "ms": Self.format(ms, decimals: 1),
            ]
        case .configUnchanged(let reason, let graph): return ["reason": reason, "graph": graph]
        case .configInvalid(let reason, let count, let errors, let file, let code):
            var f = ["reason": reason, "errors": String(count), "file": file, "code": code]
            for (i, error) in errors.enumerated() { f["error.\(i)"] = error }
            return f
        case .configUnreadable(let reason, let error): return ["reason": reason, "error": error]
        case .agentTask(let task, let type, let state, let detail, let event, _, let run, let commit):
            var f = ["task": String(task), "type": type, "state": state, "detail": detail, "event": String(event)]
            if let run { f["run"] = run }
            if let commit { f["commit"] = commit }
            return f
        case .agentCommitted(let task, let commit, let summary, let files):
            return [
                "task": String(task), "commit": commit, "summary": summary, "files": files.joined(separator: ","),
            ]
        case .agentReverted(let task, let commit, let revert, let evidence):
            return ["task": String(task), "commit": commit, "revert": revert, "evidence": evidence]
        case .configKnownGood(let graph, let revision): return ["graph": graph, "revision": revision]
        case .componentSilent(let component, let period, let silent),
            .componentRecovered(let component, let period, let silent):
            return [
                "component": component, "period_ms": String(period.milliseconds),
                "silent_ms": String(silent.milliseconds),
            ]
        case .componentRestarted(let component, let reason, let by, let incarnation, let restarts, let took):
            return [
                "component": component, "reason": reason, "by": by, "incarnation": String(incarnation),
                "restarts": String(restarts), "ms": String(took.milliseconds),
            ]
        case .componentEscalated(let component, let restarts, let within, let to):
            return [
                "component": component, "restarts": String(restarts), "within_ms": String(within.milliseconds),
                "to": to,
            ]
        case .componentDeadlock(let members): return ["members": members.joined(separator: ",")]
        case .fleet(_, let fleet, let instance, let details):
            return details.merging(["fleet": fleet, "instance": instance]) { _, fixed in fixed }
        case .chaos(_, let drill, let scenario, let details):
            return details.merging(["drill": drill, "scenario": scenario]) { _, fixed in fixed }
        case .configRolledBack(let revision, let reverted, let run):
            var f = ["revision": revision, "reverted": reverted.joined(separator: ",")]
            if let run { f["run"] = run }
            return f
        case .snapshotCreated(_, let id, let files, let bytes, let good, let run, let reason):
            var f = ["id": id, "files": String(files), "good": String(good)]
            if let bytes { f["bytes"] = String(bytes) }
            if let run { f["run"] = run }
            if let reason { f["reason"] = reason }
            return f
        case .snapshotRestored(_, let id, let run, let reason):
            var f = ["id": id]
            if let run { f["run"] = run }
            if let reason { f["reason"] = reason }
            return f
        case .snapshotPruned(_, let removed): return ["removed": String(removed)]
        case .snapshotFailed(_, let error): return ["error": error]
        case .kbOutcome(_, let v), .kbBindingLearned(_, let v), .kbBindingDropped(_, let v):
            var f = [
                "signature": v.signature, "playbook": v.playbook, "run": v.run, "healed": String(v.healed),
                "successes": String(v.successes), "failures": String(v.failures),
                "expected": Self.format(v.expectedSuccess, decimals: 3),
            ]
            if let template = v.template { f["template"] = template }
            return f
        case .unrecognized(_, _, let fields): return fields
        }
    }

    private static func fields(of status: ExitStatus) -> [String: String] {
        switch status {
        case .exited(let code): ["code": String(code)]
        case .signaled(let signal, let core): ["signal": ExitStatus.name(of: signal), "core": String(core)]
        }
    }

    private static func prefixed(_ values: [String: String], _ prefix: String, into base: [String: String])
        -> [String: String]
    {
        var out = base
        for (key, value) in values { out[prefix + key] = value }
        return out
    }

    /// A fixed number of decimals without Foundation's `String(format:)`.
    static func format(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return "0" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let whole = Int64(scaled / scale)
        var fraction = String(Int64(scaled) - whole * Int64(scale))
        while fraction.count < decimals { fraction = "0" + fraction }
        let sign = value < 0 && scaled != 0 ? "-" : ""
        return decimals == 0 ? sign + String(whole) : sign + String(whole) + "." + fraction
    }

    // MARK: - Decoding

    /// The event an entry records. An unknown kind, or fields that do not fit its kind (missing, extra or
    /// malformed: whatever would not encode back to exactly this entry), give `unrecognized` with the entry as it
    /// is: reading never fails and never loses a field.
    public init(kind: String, kernel: String? = nil, fields f: [String: String] = [:]) {
        if let event = Self.decode(kind: kind, kernel: kernel, f), event.kernel == kernel, event.fields == f {
            self = event
        } else {
            self = .unrecognized(kind: kind, kernel: kernel, fields: f)
        }
    }

    private static func decode(kind text: String, kernel: String?, _ f: [String: String]) -> JournalEvent? {
        guard let kind = JournalKind(rawValue: text) else { return nil }
        let pid = f["pid"].flatMap { Int32($0) }
        let run = f["run"]
        switch kind {
        case .graceStarted:
            guard let graph = f["graph"], let pid else { return nil }
            return .graceStarted(graph: graph, pid: pid)
        case .graceStopping: return .graceStopping
        case .graceJournalRecovered:
            guard let outage = f["outage_ms"].flatMap({ Int64($0) }), let error = f["error"] else { return nil }
            return .graceJournalRecovered(
                outage: .milliseconds(outage), error: error, lost: f["lost"].flatMap { Int($0) } ?? 0)
        case .graceJournalAnchorMismatch:
            guard let reason = f["reason"], let anchor = f["anchor_id"].flatMap({ Int64($0) }),
                let head = f["head_id"].flatMap({ Int64($0) })
            else { return nil }
            return .graceJournalAnchorMismatch(reason: reason, anchorID: anchor, headID: head)
        case .graceStopped: return .graceStopped
        case .graceReexec:
            guard let generation = f["generation"].flatMap({ Int($0) }), let reason = f["reason"],
                let executable = f["executable"], let handoff = f["handoff_ms"].flatMap({ Int64($0) })
            else { return nil }
            return .graceReexec(
                generation: generation, reason: reason, executable: executable, adopted: list(f["adopted"]),
                started: list(f["started"]), stopped: list(f["stopped"]), handoff: .milliseconds(handoff))
        case .healerStarted: return f["triggers"].flatMap { Int($0) }.map { .healerStarted(triggers: $0) }
        case .configReloaded:
            guard let reason = f["reason"], let graph = f["graph"] else { return nil }
            return .configReloaded(
                reason: reason, graph: graph, added: list(f["added"]), changed: list(f["changed"]),
                removed: list(f["removed"]), milliseconds: f["ms"].flatMap { Double($0) } ?? 0)
        case .configUnchanged:
            guard let reason = f["reason"], let graph = f["graph"] else { return nil }
            return .configUnchanged(reason: reason, graph: graph)
        case .agentTask:
            guard let task = f["task"].flatMap({ Int64($0) }), let type = f["type"], let state = f["state"] else {
                return nil
            }
            return .agentTask(
                task: task, type: type, state: state, detail: f["detail"] ?? "",
                event: f["event"].flatMap { Int64($0) } ?? 0, kernel: kernel, run: f["run"], commit: f["commit"])
        case .agentCommitted:
            guard let task = f["task"].flatMap({ Int64($0) }), let commit = f["commit"] else { return nil }
            return .agentCommitted(task: task, commit: commit, summary: f["summary"] ?? "", files: list(f["files"]))
        case .agentReverted:
            guard let task = f["task"].flatMap({ Int64($0) }), let commit = f["commit"], let revert = f["revert"]
            else { return nil }
            return .agentReverted(task: task, commit: commit, revert: revert, evidence: f["evidence"] ?? "")
        case .configKnownGood:
            guard let graph = f["graph"], let revision = f["revision"] else { return nil }
            return .configKnownGood(graph: graph, revision: revision)
        case .componentSilent, .componentRecovered:
            guard let component = f["component"], let period = f["period_ms"].flatMap({ Int64($0) }),
                let silent = f["silent_ms"].flatMap({ Int64($0) })
            else { return nil }
            return kind == .componentSilent
                ? .componentSilent(component: component, period: .milliseconds(period), silent: .milliseconds(silent))
                : .componentRecovered(
                    component: component, period: .milliseconds(period), silent: .milliseconds(silent))
        case .componentRestarted:
            guard let component = f["component"], let incarnation = f["incarnation"].flatMap({ Int($0) }) else {
                return nil
            }
            return .componentRestarted(
                component: component, reason: f["reason"] ?? "", by: f["by"] ?? "root", incarnation: incarnation,
                restarts: f["restarts"].flatMap { Int($0) } ?? 0,
                took: .milliseconds(f["ms"].flatMap { Int64($0) } ?? 0))
        case .componentEscalated:
            guard let component = f["component"], let to = f["to"] else { return nil }
            return .componentEscalated(
                component: component, restarts: f["restarts"].flatMap { Int($0) } ?? 0,
                within: .milliseconds(f["within_ms"].flatMap { Int64($0) } ?? 0), to: to)
        case .componentDeadlock:
            return .componentDeadlock(members: list(f["members"]))
        case .fleetPromoted, .fleetDemoted, .fleetMemberLost, .fleetFenced, .fleetQuarantined, .fleetRejoined:
            guard let change = FleetChange(kind: kind), let fleet = f["fleet"], let instance = f["instance"] else {
                return nil
            }
            var details = f
            details["fleet"] = nil
            details["instance"] = nil
            return .fleet(kind: change, fleet: fleet, instance: instance, details: details)
        case .chaosStarted, .chaosInjected, .chaosFinished:
            guard let phase = ChaosPhase(kind: kind), let drill = f["drill"], let scenario = f["scenario"] else {
                return nil
            }
            var details = f
            details["drill"] = nil
            details["scenario"] = nil
            return .chaos(phase: phase, drill: drill, scenario: scenario, details: details)
        case .configRolledBack:
            guard let revision = f["revision"] else { return nil }
            return .configRolledBack(revision: revision, reverted: list(f["reverted"]), run: f["run"])
        case .configInvalid:
            guard let reason = f["reason"] else { return nil }
            if let count = f["errors"].flatMap({ Int($0) }) {
                var errors: [String] = []
                while let error = f["error.\(errors.count)"] { errors.append(error) }
                return .configInvalid(
                    reason: reason, errorCount: count, errors: errors, file: f["file"] ?? "", code: f["code"] ?? "")
            }
            return f["error"].map { .configUnreadable(reason: reason, error: $0) }
        case .triggerFired:
            guard let trigger = f["trigger"], let playbook = f["playbook"] else { return nil }
            return .triggerFired(
                trigger: trigger, playbook: playbook, kernel: kernel, evidence: stripped(f, "event."), run: run)
        case .triggerSuppressed:
            guard let trigger = f["trigger"], let reason = f["reason"] else { return nil }
            return .triggerSuppressed(trigger: trigger, reason: reason, kernel: kernel, evidence: stripped(f, "event."))
        case .runStarted:
            guard let run, let playbook = f["playbook"] else { return nil }
            return .runStarted(
                run: run, playbook: playbook, trigger: f["trigger"], arguments: stripped(f, "arg."), parent: f["parent"]
            )
        case .runSucceeded:
            guard let run, let playbook = f["playbook"] else { return nil }
            return .runSucceeded(run: run, playbook: playbook)
        case .runFailed:
            guard let run, let playbook = f["playbook"] else { return nil }
            return .runFailed(run: run, playbook: playbook, error: f["error"] ?? "")
        case .runEscalated:
            guard let run, let from = f["from"], let to = f["to"] else { return nil }
            return .runEscalated(run: run, from: from, to: to)
        case .runInterrupted:
            guard let run, let playbook = f["playbook"] else { return nil }
            return .runInterrupted(run: run, playbook: playbook, action: f["action"] ?? "")
        case .runAbandoned:
            guard let run, let playbook = f["playbook"] else { return nil }
            return .runAbandoned(run: run, playbook: playbook)
        case .runSuperseded:
            guard let run, let playbook = f["playbook"], let by = f["by"] else { return nil }
            return .runSuperseded(run: run, playbook: playbook, by: by, reason: f["reason"] ?? "")
        case .notify:
            guard let run, let message = f["message"] else { return nil }
            return .notify(run: run, message: message, severity: f["severity"] ?? "info")
        case .stepStarted, .stepSucceeded, .stepFailed, .stepSkipped, .undoStarted, .undoFinished:
            guard let run, let index = f["step"].flatMap({ Int($0) }) else { return nil }
            let name = f["name"] ?? "step \(index)"
            switch kind {
            case .stepStarted:
                return .stepStarted(
                    run: run, index: index, name: name, action: f["action"] ?? "",
                    attempt: f["attempt"].flatMap { Int($0) } ?? 1)
            case .stepSucceeded: return .stepSucceeded(run: run, index: index, name: name, detail: f["detail"] ?? "")
            case .stepFailed:
                return .stepFailed(
                    run: run, index: index, name: name, error: f["error"] ?? "", willRetry: f["retry"] == "true")
            case .stepSkipped: return .stepSkipped(run: run, index: index, name: name, reason: f["reason"] ?? "")
            case .undoStarted: return .undoStarted(run: run, index: index, name: name, action: f["action"] ?? "")
            default: return .undoFinished(run: run, index: index, name: name, error: f["error"])
            }
        default:
            guard let kernel else { return nil }
            return decodeKernelEvent(kind, kernel: kernel, pid: pid, f)
        }
    }

    /// Kinds that are about one kernel (the entry's `kernel` column).
    private static func decodeKernelEvent(_ kind: JournalKind, kernel k: String, pid: Int32?, _ f: [String: String])
        -> JournalEvent?
    {
        let reason = f["reason"]
        switch kind {
        case .kernelStarted: return pid.map { .kernelStarted(kernel: k, pid: $0) }
        case .kernelReady: return pid.map { .kernelReady(kernel: k, pid: $0) }
        case .kernelLeftoverFound: return pid.map { .kernelLeftoverFound(kernel: k, pid: $0) }
        case .kernelStoppingNotified: return pid.map { .kernelStoppingNotified(kernel: k, pid: $0) }
        case .kernelSpawnFailed: return reason.map { .kernelSpawnFailed(kernel: k, reason: $0) }
        case .kernelGaveUp: return reason.map { .kernelGaveUp(kernel: k, reason: $0) }
        case .kernelExited:
            guard let pid, let status = status(f) else { return nil }
            let ran = Duration.milliseconds(f["ran_ms"].flatMap { Int64($0) } ?? 0)
            return .kernelExited(kernel: k, pid: pid, status: status, ran: ran)
        case .kernelStopped: return .kernelStopped(kernel: k, pid: pid, status: status(f), reason: reason)
        case .kernelRestarting:
            guard let attempt = f["attempt"].flatMap({ Int($0) }), let delay = f["delay_ms"].flatMap({ Int64($0) })
            else { return nil }
            return .kernelRestarting(kernel: k, attempt: attempt, delay: .milliseconds(delay))
        case .kernelKill, .kernelStopping, .kernelPaused, .kernelResumed:
            guard let pid, let reason else { return nil }
            switch kind {
            case .kernelKill: return .kernelKill(kernel: k, pid: pid, reason: reason)
            case .kernelStopping: return .kernelStopping(kernel: k, pid: pid, reason: reason)
            case .kernelPaused: return .kernelPaused(kernel: k, pid: pid, reason: reason)
            default: return .kernelResumed(kernel: k, pid: pid, reason: reason)
            }
        case .kernelLimitsUnenforced:
            guard let limits = f["limits"], let reason else { return nil }
            return .kernelLimitsUnenforced(kernel: k, limits: limits, reason: reason)
        case .kernelDependencyNotReady:
            guard let dependency = f["dependency"] else { return nil }
            return .kernelDependencyNotReady(kernel: k, dependency: dependency, action: f["action"] ?? "")
        case .kernelLeftoverStopped:
            guard let pid else { return nil }
            return .kernelLeftoverStopped(kernel: k, pid: pid, how: f["how"] ?? "")
        case .kernelSignalled:
            guard let pid, let signal = f["signal"].flatMap({ Int32($0) }) else { return nil }
            return .kernelSignalled(kernel: k, pid: pid, signal: signal)
        case .kernelStatus: return f["status"].map { .kernelStatus(kernel: k, status: $0) }
        case .kernelHealthy: return .kernelHealthy(kernel: k)
        case .kernelUnhealthy:
            return .kernelUnhealthy(
                kernel: k, reason: reason ?? "", failures: f["failures"].flatMap { Int($0) } ?? 1)
        case .kernelWatchdogTimeout:
            return .kernelWatchdogTimeout(kernel: k, after: .milliseconds(f["after_ms"].flatMap { Int64($0) } ?? 0))
        case .kernelStartTimeout:
            guard let pid, let after = f["after_ms"].flatMap({ Int64($0) }) else { return nil }
            return .kernelStartTimeout(kernel: k, pid: pid, after: .milliseconds(after))
        case .kernelRestartRequested:
            guard let origin = f["origin"].flatMap(RestartOrigin.init(rawValue:)), let reason else { return nil }
            return .kernelRestartRequested(kernel: k, pid: pid, origin: origin, reason: reason)
        case .snapshotCreated:
            guard let id = f["id"] else { return nil }
            return .snapshotCreated(
                kernel: k, id: id, files: f["files"].flatMap { Int($0) } ?? 0, bytes: f["bytes"].flatMap { Int64($0) },
                good: f["good"] == "true", run: f["run"], reason: reason)
        case .snapshotRestored:
            guard let id = f["id"] else { return nil }
            return .snapshotRestored(kernel: k, id: id, run: f["run"], reason: reason)
        case .snapshotPruned: return f["removed"].flatMap { Int($0) }.map { .snapshotPruned(kernel: k, removed: $0) }
        case .snapshotFailed: return f["error"].map { .snapshotFailed(kernel: k, error: $0) }
        case .kbOutcome, .kbBindingLearned, .kbBindingDropped:
            guard let signature = f["signature"], let playbook = f["playbook"], let run = f["run"] else { return nil }
            let verdict = KnowledgeVerdict(
                signature: signature, playbook: playbook, run: run, healed: f["healed"] == "true",
                successes: f["successes"].flatMap { Int($0) } ?? 0, failures: f["failures"].flatMap { Int($0) } ?? 0,
                expectedSuccess: f["expected"].flatMap { Double($0) } ?? 0, template: f["template"])
            switch kind {
            case .kbOutcome: return .kbOutcome(kernel: k, verdict)
            case .kbBindingLearned: return .kbBindingLearned(kernel: k, verdict)
            default: return .kbBindingDropped(kernel: k, verdict)
            }
        default:
            return nil
        }
    }

    private static func status(_ f: [String: String]) -> ExitStatus? {
        if let code = f["code"].flatMap({ Int32($0) }) { return .exited(code: code) }
        guard let text = f["signal"] else { return nil }
        let number = Int32(text) ?? Signal.parse(text)?.number
        return number.map { .signaled(signal: $0, coreDumped: f["core"] == "true") }
    }

    private static func list(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map(String.init)
    }

    private static func stripped(_ f: [String: String], _ prefix: String) -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in f where key.hasPrefix(prefix) { out[String(key.dropFirst(prefix.count))] = value }
        return out
    }
}

/// The `fleet.*` journal kinds, as `JournalEvent.fleet` carries them.
public enum FleetChange: String, Sendable, Hashable, CaseIterable {
    /// `fleet.promoted`
    case promoted
    /// `fleet.demoted`
    case demoted
    /// `fleet.member_lost`
    case memberLost
    /// `fleet.fenced`
    case fenced
    /// `fleet.quarantined`
    case quarantined
    /// `fleet.rejoined`
    case rejoined

    /// The journal kind it is stored as.
    public var kind: JournalKind {
        switch self {
        case .promoted: .fleetPromoted
        case .demoted: .fleetDemoted
        case .memberLost: .fleetMemberLost
        case .fenced: .fleetFenced
        case .quarantined: .fleetQuarantined
        case .rejoined: .fleetRejoined
        }
    }

    /// The change stored as `kind`; nil for a kind that is no fleet change.
    public init?(kind: JournalKind) {
        guard let change = Self.allCases.first(where: { $0.kind == kind }) else { return nil }
        self = change
    }
}

/// The `chaos.*` journal kinds, as `JournalEvent.chaos` carries them: the phases of a drill.
public enum ChaosPhase: String, Sendable, Hashable, CaseIterable {
    /// `chaos.started`
    case started
    /// `chaos.injected`
    case injected
    /// `chaos.finished`
    case finished

    /// The journal kind it is stored as.
    public var kind: JournalKind {
        switch self {
        case .started: .chaosStarted
        case .injected: .chaosInjected
        case .finished: .chaosFinished
        }
    }

    /// The phase stored as `kind`; nil for a kind that is no chaos phase.
    public init?(kind: JournalKind) {
        guard let phase = Self.allCases.first(where: { $0.kind == kind }) else { return nil }
        self = phase
    }
}
