import Fleet
import Foundation
import GraceDSL
import Interpreter
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// Grace's `fleet` component: runs this instance's `FleetMember` and carries out its decisions on this Grace:
/// the kernels (`Supervisor.applyRole`), the journal (`fleet.*`), the promotion playbook, fencing a frozen holder
/// on this host, and the quarantine's healing checks.
public actor FleetService: FleetMemberDelegate {
    /// What the service needs besides the member.
    public struct Context: Sendable {
        /// The fleet document.
        public var fleet: Fleet
        /// This instance's entry in it.
        public var instance: Fleet.Instance
        /// Reads the configuration again, for the quarantine's validation.
        public var load: ConfigurationReloader.Loader
        /// The snapshots to verify during a quarantine.
        public var snapshots: SnapshotStore?

        /// The context of `instance` in `fleet`.
        public init(
            fleet: Fleet, instance: Fleet.Instance, load: @escaping ConfigurationReloader.Loader,
            snapshots: SnapshotStore?
        ) {
            self.fleet = fleet
            self.instance = instance
            self.load = load
            self.snapshots = snapshots
        }
    }

    private let context: Context
    private let supervisor: Supervisor
    private let journal: Journal
    private var member: FleetMember?
    private var healer: Healer?
    private var promotedAt: Date?
    private var tookOverFrom: String?
    private var lastBeat = ContinuousClock.now

    /// The fleet's name.
    public nonisolated let fleetName: String
    /// This instance's name.
    public nonisolated let instanceName: String

    /// A service for `context.instance`; `attach` gives it its member before it runs.
    public init(context: Context, supervisor: Supervisor, journal: Journal) {
        self.context = context
        self.supervisor = supervisor
        self.journal = journal
        fleetName = context.fleet.header.name.value
        instanceName = context.instance.name.value
    }

    /// Gives the service the member it runs (built on this service as delegate) and the healer that runs the
    /// promotion playbook.
    public func attach(member: FleetMember, healer: Healer?) {
        self.member = member
        self.healer = healer
    }

    /// The member's view now; nil before `attach`.
    public func status() async -> FleetMember.Status? {
        await member?.status
    }

    /// `grace fleet switchover`, or a playbook's `failover`: see `FleetMember.switchover`.
    public func switchover(to target: String?) async throws -> String {
        guard let member else { throw FleetMember.Refusal(description: "the fleet member is not running") }
        return try await member.switchover(to: target)
    }

    /// A playbook's `failover: FLEET, to: auto|NAME`: makes sure a live instance (the named one) holds the lease.
    /// On a primary that took over from a lost one within the last 30 s there is nothing left to do; on any other
    /// primary it is a switchover to the named or the best standby.
    public func failover(to target: String?) async throws -> String {
        guard let member else { throw FleetMember.Refusal(description: "the fleet member is not running") }
        let status = await member.status
        if status.role == .primary {
            if target == nil || target == instanceName, let promotedAt, Date().timeIntervalSince(promotedAt) < 30 {
                return "already failed over: \(instanceName) holds the lease (token \(status.holder?.token ?? 0))"
                    + (tookOverFrom.map { ", taken over from \($0)" } ?? "")
            }
            if target == instanceName { return "\(instanceName) already holds the lease" }
            let chosen = try await member.switchover(to: target)
            return "switched over to \(chosen)"
        }
        if let holder = status.holder, target == nil || holder.claim.instance == target {
            return "\(holder.claim.instance) holds the lease (token \(holder.token))"
        }
        throw FleetMember.Refusal(
            description: "\(instanceName) is not the primary and cannot hand the lease to \(target ?? "a standby")")
    }

    /// Quarantines `instance` (this one or another) for `duration` (the fleet's `quarantine` when nil).
    public func quarantine(_ instance: String, for duration: Duration?, reason: String) async throws {
        guard let member else { throw FleetMember.Refusal(description: "the fleet member is not running") }
        guard context.fleet.instances.contains(where: { $0.name.value == instance }) else {
            throw FleetMember.Refusal(description: "`\(instance)` is not an instance of \(fleetName)")
        }
        try await member.quarantine(instance, for: duration ?? context.fleet.failover.quarantine, reason: reason)
    }

    /// Ends `instance`'s quarantine early (it rejoins once its checks pass).
    public func rejoin(_ instance: String) async throws {
        guard let member else { throw FleetMember.Refusal(description: "the fleet member is not running") }
        try await member.rejoin(instance)
    }

    func beat() { lastBeat = .now }

    fileprivate var beatAge: Duration { ContinuousClock.now - lastBeat }

    fileprivate func runMember() async {
        guard let member else { return }
        await member.run { [weak self] in
            guard let self else { return }
            Task { await self.beat() }
        }
    }

    // MARK: - FleetMemberDelegate

    /// Applies the standby's role to the kernels (fencing a demoted primary), and journals a demotion.
    public func becomeStandby(reason: String, demotedToken: UInt64?, within: Duration?) async {
        let mode: FleetRoleMode = context.instance.role.value == .warm ? .warmStandby : .hotStandby
        let (stopped, _) = await supervisor.applyRole(mode, grace: within)
        promotedAt = nil
        tookOverFrom = nil
        if let demotedToken {
            journal.append(
                .fleet(
                    kind: .demoted, fleet: fleetName, instance: instanceName,
                    details: [
                        "token": String(demotedToken), "reason": reason, "stopped": stopped.joined(separator: ","),
                    ]))
        }
    }

    /// Fences a dead holder's leftovers on this host, starts the primary's kernels, journals, runs the promotion playbook.
    public func becomePrimary(token: UInt64, previous: LeaseHolder?) async {
        // A holder that died on this host left its kernels running (a crashed Grace's kernels outlive it, for the
        // next Grace to clean up): they might still accept writes and they hold the ports. Fence them first.
        // Only a holder whose process is gone: a re-executed one (same pid) keeps its kernels.
        if let previous, previous.claim.instance != instanceName,
            previous.claim.host == ProcessInfo.processInfo.hostName, !Self.isAlive(previous.claim.pid)
        {
            let killed = await Self.killKernels(of: previous.claim)
            if !killed.isEmpty {
                journal.append(
                    .fleet(
                        kind: .fenced, fleet: fleetName, instance: previous.claim.instance,
                        details: [
                            "pid": "", "token": String(previous.token), "killed": killed.joined(separator: ","),
                            "by": instanceName,
                        ]))
            }
        }
        let (_, started) = await supervisor.applyRole(.primary)
        promotedAt = Date()
        tookOverFrom = previous?.claim.instance
        var details = ["token": String(token), "started": started.joined(separator: ",")]
        if let previous { details["previous"] = "\(previous.claim.instance) (token \(previous.token))" }
        journal.append(.fleet(kind: .promoted, fleet: fleetName, instance: instanceName, details: details))
        guard let playbook = context.fleet.failover.playbook?.value, let healer else { return }
        let arguments = [
            "fleet": fleetName, "instance": instanceName, "token": String(token),
            "previous": previous?.claim.instance ?? "",
        ]
        // The member's loop must keep renewing while the playbook runs.
        Task { _ = await healer.run(playbook, arguments: arguments) }
    }

    /// Journals `fleet.member_lost`, which `member_lost` triggers see.
    public func memberLost(_ claim: LeaseClaim, wasPrimary: Bool, token: UInt64) async {
        journal.append(
            .fleet(
                kind: .memberLost, fleet: fleetName, instance: claim.instance,
                details: ["role": wasPrimary ? "primary" : "standby", "token": String(token), "by": instanceName]))
    }

    /// Kills a frozen holder's kernels and its Grace on this host, and journals `fleet.fenced`.
    public func fence(_ holder: LeaseHolder) async {
        let claim = holder.claim
        // The holder's kernels first: they are what might still accept writes.
        let killed = await Self.killKernels(of: claim)
        var pid = ""
        if claim.pid > 0, claim.pid != getpid(), Self.isGrace(claim.pid, stateDirectory: claim.stateDirectory) {
            if kill(claim.pid, SIGKILL) == 0 { pid = String(claim.pid) }
        }
        journal.append(
            .fleet(
                kind: .fenced, fleet: fleetName, instance: claim.instance,
                details: [
                    "pid": pid, "token": String(holder.token), "killed": killed.joined(separator: ","),
                    "by": instanceName,
                ]))
    }

    /// Stops every kernel and journals `fleet.quarantined`.
    public func enterQuarantine(until: Date, reason: String) async {
        let (stopped, _) = await supervisor.applyRole(.quarantined)
        journal.append(
            .fleet(
                kind: .quarantined, fleet: fleetName, instance: instanceName,
                details: [
                    "until": ISO8601DateFormatter().string(from: until), "reason": reason,
                    "stopped": stopped.joined(separator: ","),
                ]))
    }

    /// The sandbox's checks, with every kernel stopped: the configuration compiles, the journal's hash chain holds,
    /// every snapshot matches its manifest.
    public func heal() async -> (passed: Bool, report: String) {
        var failures: [String] = []
        var passed: [String] = []
        do {
            let loaded = try context.load()
            let compiled = Compiler(options: loaded.options).compile(loaded.files)
            if compiled.graph != nil {
                passed.append("configuration compiles")
            } else {
                let errors = compiled.diagnostics.filter { $0.severity == .error }
                failures.append("configuration: \(errors.count) errors")
            }
        } catch {
            failures.append("configuration unreadable: \(error)")
        }
        switch try? journal.store.verify() {
        case .intact(let entries)?: passed.append("journal intact (\(entries) entries)")
        case .broken(let id, let reason)?: failures.append("journal broken at \(id): \(reason)")
        case nil: failures.append("journal unreadable")
        }
        if let snapshots = context.snapshots {
            let manifests = (try? snapshots.list()) ?? []
            let damaged = manifests.filter { (try? snapshots.verify($0.id).isIntact) != true }
            if damaged.isEmpty {
                passed.append("\(manifests.count) snapshots intact")
            } else {
                failures.append("snapshots damaged: \(damaged.prefix(5).map(\.id).joined(separator: ", "))")
            }
        }
        return (failures.isEmpty, (failures.isEmpty ? passed : failures).joined(separator: "; "))
    }

    /// Journals `fleet.rejoined` with the checks that passed.
    public func rejoined(report: String) async {
        journal.append(
            .fleet(kind: .rejoined, fleet: fleetName, instance: instanceName, details: ["checks": report]))
    }

    /// SIGKILLs the process groups of the kernels a Grace with `claim`'s state directory started on this host;
    /// returns `kernel (pid)` of each. Waits (up to 2 s, without holding a thread) until they are gone, so that
    /// their ports are free.
    private static func killKernels(of claim: LeaseClaim) async -> [String] {
        var killed: [String] = []
        var pids: [Int32] = []
        for found in LeftoverProcess.scan(stateDirectory: claim.stateDirectory) {
            if kill(-found.pid, SIGKILL) == 0 || kill(found.pid, SIGKILL) == 0 {
                killed.append("\(found.kernel) (\(found.pid))")
                pids.append(found.pid)
            }
        }
        let deadline = Date().addingTimeInterval(2)
        // Not our children: gone when /proc no longer has them (or they are zombies waiting for their reaper).
        while Date() < deadline, pids.contains(where: { isAlive($0) }) { try? await Task.sleep(for: .milliseconds(5)) }
        return killed
    }

    private static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let state = stat[stat.index(after: close)...].dropFirst().first
        return state != "Z" && state != "X"
    }

    /// Whether `pid` is the Grace of `stateDirectory`: it runs a `grace` executable and has that directory's
    /// `grace.lock` open (only the Grace using a state directory holds its lock). A pid reused since the holder wrote
    /// its claim, also by another Grace of this host, is not fenced. Where its descriptors cannot be read (another
    /// user's process), the executable alone decides, as before.
    static func isGrace(_ pid: Int32, stateDirectory: String) -> Bool {
        let files = FileManager.default
        guard let target = try? files.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe"),
            (target as NSString).lastPathComponent.hasPrefix("grace")
        else { return false }
        guard let descriptors = try? files.contentsOfDirectory(atPath: "/proc/\(pid)/fd") else { return true }
        let lock = URL(fileURLWithPath: StateDirectoryLock.path(in: URL(fileURLWithPath: stateDirectory)))
            .resolvingSymlinksInPath().path
        return descriptors.contains { fd in
            (try? files.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")) == lock
        }
    }
}

extension FleetService: Component {
    /// `fleet`, as the registry, `GET /v1/components` and `components:` of the grace document name it.
    public nonisolated var name: String { "fleet" }

    /// Runs the member until graceful shutdown; then it gives the lease up (an orderly exit is no failure).
    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.runMember() }
    }

    /// True while the member's loop goes round (it beats after every round).
    public func heartbeat() -> Bool {
        let interval = Duration.seconds(5)
        return beatAge < interval
    }
}
