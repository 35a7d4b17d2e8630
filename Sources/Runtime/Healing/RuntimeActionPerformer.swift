import Foundation
import GraceDSL
import Interpreter

/// Carries out playbook actions on the real machine, through the supervisor (kernels), Grace's own spawner
/// (exec), plain HTTP, the snapshot store, configuration reload, the coding agent's queue, git and this instance's
/// fleet member (`failover`, `quarantine`; they fail on a Grace that runs as no instance of the fleet).
public struct RuntimeActionPerformer: ActionPerformer {
    let supervisor: Supervisor
    let journal: Journal
    let runner: ProcessCommandRunner
    let clock: RuntimeClock
    /// Longest an unbounded step may wait for a kernel to become healthy.
    var defaultWait: Duration = .seconds(60)
    /// How often `wait_healthy` looks again.
    var healthPoll: Duration = .milliseconds(50)
    /// The content-addressed store of kernels' data (`<state_dir>/snapshots`).
    let snapshots: SnapshotStore?
    /// `reload: grace` recompiles and applies the configuration through it.
    let reloader: ConfigurationReloader?
    /// The agent's queue and the configuration's git work tree (`agent_task`, `rollback_config`).
    let agent: AgentConnection?
    /// Grace's root, which `restart_component` asks.
    let components: ComponentTree?
    /// This instance's fleet member, for `failover` and `quarantine`; nil outside a fleet.
    let fleet: FleetService?

    /// A performer acting through `supervisor`, journaling to `journal`, timing waits on `clock`; without
    /// `snapshots` snapshot steps fail, without `reloader` `reload: grace` fails, without `agent` `agent_task` and
    /// `rollback_config` fail.
    public init(
        supervisor: Supervisor, journal: Journal, runner: ProcessCommandRunner, clock: RuntimeClock,
        snapshots: SnapshotStore? = nil, reloader: ConfigurationReloader? = nil, agent: AgentConnection? = nil,
        components: ComponentTree? = nil, fleet: FleetService? = nil
    ) {
        self.fleet = fleet
        self.agent = agent
        self.components = components
        self.supervisor = supervisor
        self.journal = journal
        self.runner = runner
        self.clock = clock
        self.snapshots = snapshots
        self.reloader = reloader
    }

    /// Action keywords this build cannot perform.
    public static let unsupported: Set<String> = []

    /// Performs one resolved step; throws `ActionFailure` saying why it did not succeed.
    public func perform(_ action: ResolvedAction, runID: String) async throws -> ActionOutcome {
        switch action {
        case .start(let k):
            await supervisor.startAfterExit(k)
            return ActionOutcome(detail: "started \(k)")
        case .stop(let k, let signal, let grace):
            // Done when the process is gone: the next step (a restore) must not race a live kernel.
            await supervisor.stopAndWait(k, reason: "playbook run \(runID)", signal: signal?.number, grace: grace)
            return ActionOutcome(detail: "stopped \(k)")
        case .restart(let k, let grace):
            await supervisor.restart(k, origin: .playbook, reason: "playbook run \(runID)", grace: grace)
            return ActionOutcome(detail: "restarted \(k)")
        case .pause(let k):
            guard await supervisor.pause(k, reason: "playbook run \(runID)") else {
                throw ActionFailure("\(k) is not running")
            }
            return ActionOutcome(detail: "paused \(k)")
        case .resume(let k):
            _ = await supervisor.resume(k, reason: "playbook run \(runID)")
            return ActionOutcome(detail: "resumed \(k)")
        case .signal(let k, let signal):
            guard await supervisor.signal(k, signal.number) else { throw ActionFailure("\(k) is not running") }
            return ActionOutcome(detail: "sent \(signal.name) to \(k)")
        case .exec(let arguments, let expect, let cwd, let environment):
            let outcome = try await runner.run(
                arguments, timeout: .seconds(300), workingDirectory: cwd, environment: environment)
            guard outcome.status == Int32(expect), !outcome.timedOut else {
                let how =
                    outcome.timedOut
                    ? "timed out" : outcome.status.map { "exit \($0)" } ?? "killed by signal \(outcome.signal ?? 0)"
                throw ActionFailure(
                    "\(arguments.joined(separator: " ")): \(how), expected exit \(expect); output: \(outcome.output.suffix(300))"
                )
            }
            // The last line a helper prints is its report ("purged 12 files, 96 MiB"): the journal keeps it.
            let report = outcome.output.split(whereSeparator: \.isNewline).last.map { ": \($0.prefix(300))" } ?? ""
            return ActionOutcome(detail: "exit \(expect)\(report)", output: String(outcome.output.suffix(2000)))
        case .http(let url, let method, let body, let headers, let expect):
            let response = await HTTPRequest.send(
                method: method, url: url, body: body, headers: headers, timeout: .seconds(10), reactor: runner.reactor)
            switch response {
            case .failure(let e): throw ActionFailure("\(method) \(url): \(e)")
            case .success(let status):
                if let expect, status != expect {
                    throw ActionFailure("\(method) \(url): HTTP \(status), expected \(expect)")
                }
                if expect == nil, !(200...299).contains(status) {
                    throw ActionFailure("\(method) \(url): HTTP \(status)")
                }
                return ActionOutcome(detail: "HTTP \(status)")
            }
        case .waitHealthy(let k):
            // The step's timeout bounds this; without one, `defaultWait` does.
            let deadline = clock.elapsedTime + defaultWait
            while !(await supervisor.isHealthy(k)) {
                // Waiting on a kernel Grace gave up on is waiting for nothing: fail now, so that the playbook's
                // next step (heal-crashed-kernel's own restart) comes at once rather than after the timeout.
                if await supervisor.hasGivenUp(k) {
                    throw ActionFailure("\(k) not healthy: Grace gave up restarting it (restart intensity breached)")
                }
                guard clock.elapsedTime < deadline else { throw ActionFailure("\(k) not healthy") }
                try await clock.sleep(for: healthPoll)
            }
            return ActionOutcome(detail: "\(k) healthy")
        case .wait(let d):
            try await clock.sleep(for: d)
            return ActionOutcome()
        case .shedLoad(let tier, let keep):
            var paused: [String] = []
            for k in try await tierKernels(tier) where !keep.contains(k) {
                if await supervisor.pause(k, reason: "shed \(tier) load (run \(runID))") { paused.append(k) }
            }
            return ActionOutcome(
                detail: paused.isEmpty ? "nothing to shed" : "paused \(paused.joined(separator: ", "))")
        case .restoreLoad(let tier):
            let tiers: [Kernel.Tier] =
                tier == "all" ? [.background, .standard] : [Kernel.Tier(rawValue: tier)].compactMap { $0 }
            var resumed: [String] = []
            for t in tiers {
                for k in await supervisor.kernels(inTier: t) where await supervisor.isPaused(k) {
                    if await supervisor.resume(k, reason: "restore \(t.rawValue) load (run \(runID))") {
                        resumed.append(k)
                    }
                }
            }
            return ActionOutcome(
                detail: resumed.isEmpty ? "nothing to restore" : "resumed \(resumed.joined(separator: ", "))")
        case .notify(let message, let severity, let webhook):
            journal.append(.notify(run: runID, message: message, severity: severity))
            if let webhook {
                let body =
                    "{\"message\": \(jsonString(message)), \"severity\": \(jsonString(severity)), \"run\": \(jsonString(runID))}"
                let sent = await HTTPRequest.send(
                    method: "POST", url: webhook, body: body, headers: [:], timeout: .seconds(5),
                    reactor: runner.reactor)
                if case .failure(let e) = sent {
                    throw ActionFailure("webhook \(webhook): \(e)")
                }
            }
            return ActionOutcome(detail: "notified")
        case .reload(let target):
            if target == "grace" {
                guard let reloader else { throw ActionFailure("configuration reload is not wired in") }
                let result = await reloader.reload(reason: "playbook run \(runID)")
                if case .refused = result { throw ActionFailure(result.summary) }
                return ActionOutcome(detail: result.summary)
            }
            // A kernel reloads its own configuration on SIGHUP, by convention.
            guard await supervisor.signal(target, SIGHUP) else { throw ActionFailure("\(target) is not running") }
            return ActionOutcome(detail: "sent SIGHUP to \(target)")
        case .restartComponent(let name):
            guard let components else { throw ActionFailure("Grace's components are not supervised in this process") }
            switch await components.restart(name, reason: "playbook run \(runID)", by: "run \(runID)") {
            case .restarted(let incarnation, let took):
                return ActionOutcome(
                    detail: "restarted \(name) (run \(incarnation), \(DurationParser.format(took)))")
            case .recent(let age):
                return ActionOutcome(
                    detail: "\(name) was restarted \(DurationParser.format(age)) ago; not again")
            case .escalated(let to):
                throw ActionFailure("\(name) broke its restart limit; the root escalated to \(to)")
            case .refused(let why):
                throw ActionFailure(why)
            }
        case .snapshot(let k, let tag):
            let (store, root, paths) = try await snapshotContext(k)
            let good = await supervisor.isHealthy(k)
            let manifest = try store.create(kernel: k, root: root, paths: paths, tag: tag, good: good)
            journal.append(
                .snapshotCreated(
                    kernel: k, id: manifest.id, files: manifest.files.count, bytes: Int64(clamping: manifest.bytes),
                    good: good, run: runID, reason: nil))
            return ActionOutcome(detail: "snapshot \(manifest.id) (\(manifest.files.count) files)")
        case .restore(let k, let from):
            let (store, root, _) = try await snapshotContext(k)
            let distrusted = from == "last_good" ? await distrustedSnapshots(of: k) : []
            let manifest =
                try from == "last_good"
                ? store.lastGood(kernel: k, excluding: distrusted) : store.resolve(kernel: k, reference: from)
            try store.restore(manifest.id, root: root)
            journal.append(.snapshotRestored(kernel: k, id: manifest.id, run: runID, reason: nil))
            let newer = distrusted.filter { $0 > manifest.id }.sorted()
            let skipped =
                newer.isEmpty
                ? "" : " (not \(newer.joined(separator: ", ")): \(k) was not healthy after they were restored)"
            return ActionOutcome(detail: "restored \(k) from \(manifest.id)" + skipped)
        case .verify(let k):
            let (store, root, paths) = try await snapshotContext(k)
            // What this run restored, when it did (an older snapshot than the latest, after a distrusted one);
            // otherwise the latest.
            let restored = try? journal.store.lastEntry(kind: JournalKind.snapshotRestored.rawValue, kernel: k)
            let reference =
                try restored.flatMap { $0.fields["run"] == runID ? $0.fields["id"] : nil }
                .map { try store.resolve(kernel: k, reference: $0) }
                ?? store.resolve(kernel: k, reference: "latest")
            switch try store.verifyData(kernel: k, root: root, paths: paths, against: reference.id) {
            case .intact(let files, _):
                return ActionOutcome(detail: "\(k): \(files) files match snapshot \(reference.id)")
            case .damaged(let problems):
                throw ActionFailure(
                    "\(k): data differs from snapshot \(reference.id): \(problems.prefix(5).joined(separator: "; "))")
            }
        case .agentTask(let kind, let goal, let refactor, let context):
            return try await performAgentTask(
                kind: kind, goal: goal, refactor: refactor, context: context, runID: runID)
        case .rollbackConfig(let revision):
            return try await performRollback(revision: revision, runID: runID)
        case .failover(let name, let to):
            let fleet = try fleetService(name)
            do {
                return ActionOutcome(detail: try await fleet.failover(to: to == "auto" ? nil : to))
            } catch {
                throw ActionFailure(String(describing: error))
            }
        case .quarantine(let instance, let duration):
            guard let fleet else {
                throw ActionFailure("this Grace runs as no fleet instance (start it with `grace run --instance NAME`)")
            }
            let target = instance == "self" ? fleet.instanceName : instance
            do {
                try await fleet.quarantine(target, for: duration, reason: "playbook run \(runID)")
            } catch {
                throw ActionFailure(String(describing: error))
            }
            return ActionOutcome(detail: "quarantined \(target)")
        }
    }

    /// The snapshots that, restored, did not make `kernel` healthy before the next restore (or since): by the
    /// journal's last 500 restores and proofs of health of the kernel (`kernel.healthy`, or `kernel.ready` for a kernel
    /// without a health probe). Their data may be the damage itself, and `last_good` passes over them.
    private func distrustedSnapshots(of kernel: String) async -> Set<String> {
        let probed = await supervisor.graph.kernel(kernel)?.health != nil
        let proof = (probed ? JournalKind.kernelHealthy : .kernelReady).rawValue
        guard
            let entries = try? journal.store.lastEntries(
                kinds: [JournalKind.snapshotRestored.rawValue, proof], kernel: kernel, limit: 500)
        else { return [] }
        var distrusted: Set<String> = []
        var provenSince = false
        for entry in entries {  // newest first
            if entry.kind == proof {
                provenSince = true
                continue
            }
            if !provenSince, let id = entry.fields["id"] { distrusted.insert(id) }
            provenSince = false
        }
        return distrusted
    }

    private func fleetService(_ name: String) throws -> FleetService {
        guard let fleet else {
            throw ActionFailure("this Grace runs as no fleet instance (start it with `grace run --instance NAME`)")
        }
        guard fleet.fleetName == name else {
            throw ActionFailure("this Grace is an instance of `\(fleet.fleetName)`, not of `\(name)`")
        }
        return fleet
    }

    private func snapshotContext(_ kernel: String) async throws -> (SnapshotStore, URL, [String]) {
        guard let snapshots else { throw ActionFailure("no snapshot store") }
        guard let k = await supervisor.graph.kernel(kernel) else { throw ActionFailure("no kernel \(kernel)") }
        guard !k.data.isEmpty else { throw ActionFailure("kernel \(kernel) declares no `data`") }
        return (snapshots, URL(fileURLWithPath: await supervisor.rootDirectory), k.data.map(\.value))
    }

    /// Kernels a `shed_load` of `tier` pauses: that tier and the ones below it, never critical ones.
    private func tierKernels(_ tier: String) async throws -> [String] {
        switch tier {
        case "background": return await supervisor.kernels(inTier: .background)
        case "standard": return await supervisor.kernels(inTier: .background) + supervisor.kernels(inTier: .standard)
        default: throw ActionFailure("`shed_load` takes `background` or `standard`; critical kernels are never shed")
        }
    }

    private func jsonString(_ s: String) -> String {
        let data = (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Whether the kernel is ready, not paused and passing its probe (`if:` conditions and success criteria).
    public func isHealthy(_ kernel: String) async -> Bool { await supervisor.isHealthy(kernel) }
    /// Whether the kernel has a process.
    public func isRunning(_ kernel: String) async -> Bool { await supervisor.isRunning(kernel) }
    /// Whether a file exists (`if: {file_exists: ...}`).
    public func fileExists(_ path: String) async -> Bool { FileManager.default.fileExists(atPath: path) }
}
