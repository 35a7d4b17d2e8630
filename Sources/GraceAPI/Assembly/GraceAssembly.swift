import Fleet
import FleetEtcd
import Foundation
import GraceDSL
import Interpreter
import Logging
import Runtime
import ServiceLifecycle

/// What `buildServiceGroup` needs to assemble a whole Grace: the compiled graph and how to compile it again, where
/// it lives, and which of the process-wide parts to include (a test leaves out signals and the API).
public struct GraceConfiguration: Sendable {
    /// The compiled graph Grace starts with; a reload replaces it in the supervisor, not here.
    public var graph: ExecutionGraph
    /// The configuration root: kernels run here unless they set `cwd`; relative paths start here.
    public var root: String
    /// Reads the configuration again for a reload.
    public var load: ConfigurationReloader.Loader
    /// Grace's version, as `GET /v1/status` reports it.
    public var version: String
    /// Where every part logs; the journal also logs each entry through it.
    public var logger: Logger
    /// Interval between metric samples of every kernel.
    public var metricsInterval: Duration = .seconds(5)
    /// `.allChildren` in `grace run` (Grace is the subreaper of its kernels' orphans); `.registeredOnly` inside a
    /// process that also starts children of its own (tests).
    public var reaperMode: ChildReaper.Mode = .allChildren
    /// Serve the HTTP API, metrics and dashboard on `api.listen`.
    public var serveAPI = true
    /// Reload when a YAML file of the configuration changes.
    public var watchConfiguration = true
    /// SIGTERM and SIGINT shut down gracefully, SIGHUP reloads. Off inside a test process.
    public var handleSignals = true
    /// Put kernels in cgroup v2 groups of their own where the machine allows (limits and their figures).
    public var useCgroups = true
    /// Heartbeat interval of a component that `components:` of the grace document does not set.
    public var defaultHeartbeat: Duration = .seconds(5)
    /// What every timer, backoff, probe and rate limit waits on; a manual clock lets a test step time.
    public var clock: RuntimeClock = .continuous()
    /// The `grace` executable, which runs the coding agent's process when the configuration enables it; nil in a
    /// test process (no agent process; `agent_task` steps wait for a worker the test provides).
    public var agentExecutable: String?
    /// Directories searched first for a command's executable (where `grace` itself lives, for `grace-demo`).
    public var toolDirectories: [String] = []
    /// Where to tell systemd that Grace is ready, alive (its watchdog) and stopping: what systemd put in this
    /// process's environment (`NOTIFY_SOCKET`, `WATCHDOG_USEC`), nil when it did not run Grace as a notify service.
    public var systemd = SystemdNotifier.Settings(environment: ProcessInfo.processInfo.environment)
    /// What the previous image handed over when this Grace is a re-executed one (`grace reexec`); nil for a fresh
    /// start. Its lock descriptor is adopted and its kernels are adopted by the supervisor.
    public var handoff: ReexecHandoff?
    /// The fleet instance this Grace runs as (`grace run --instance`); nil: the grace document's `instance`.
    public var instance: String?

    /// A configuration with every process-wide part on (API, watcher, signals, cgroups, the subreaper); a test turns
    /// off what its process must not do.
    public init(
        graph: ExecutionGraph, root: String, version: String, logger: Logger,
        load: @escaping ConfigurationReloader.Loader
    ) {
        self.graph = graph
        self.root = root
        self.version = version
        self.logger = logger
        self.load = load
    }

    /// `state_dir` of the grace document (default `var/grace`), relative to the root. An instance other than the
    /// one the grace document names (`--instance`) gets a directory of its own beside it, named after it
    /// (`var/grace-2` beside `var/grace`), so that a whole fleet can run from one configuration root.
    public var stateDirectory: URL {
        var path = graph.settings?.stateDir ?? "var/grace"
        if let instance, instance != graph.settings?.instance?.value {
            path = ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(instance)
        }
        return URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: root + "/")).standardizedFileURL
    }

    /// The instance this Grace runs as: `instance`, else the grace document's.
    public var instanceName: String? { instance ?? graph.settings?.instance?.value }

    /// Where the API listens when set (`grace run --listen`); nil: for an instance other than the grace document's,
    /// its `api` in the fleet document, else `api.listen`.
    public var apiListen: String?

    /// The address the API listens on (see `apiListen`).
    var listen: String {
        if let apiListen { return apiListen }
        if let instance, instance != graph.settings?.instance?.value,
            let declared = graph.fleet(listing: instance)?.instances.first(where: { $0.name.value == instance })
        {
            return declared.api.value
        }
        return graph.settings?.apiListen?.value ?? "127.0.0.1:7070"
    }
}

/// A whole Grace, assembled and ready to run: `serviceGroup.run()` runs every component until graceful shutdown.
/// The parts are exposed so that a test can drive and observe a Grace in-process.
public struct AssembledGrace: Sendable {
    /// Held for as long as this value lives: one Grace per state directory.
    public let lock: StateDirectoryLock
    /// Runs every component until graceful shutdown (SIGTERM or SIGINT, when `handleSignals`); run it once.
    public let serviceGroup: ServiceGroup
    /// The journal, hub, reaper, clock, cgroups and logger that every part shares.
    public let environment: RuntimeEnvironment
    /// The kernels' supervisor, also the group's `supervisor` component.
    public let supervisor: Supervisor
    /// Re-executes this Grace in place (`grace reexec`, the escalation of the component tree): `request` stops the
    /// components, then `execIfRequested` (after `serviceGroup.run()` returns) hands the kernels over and execs.
    public let reexecutor: Reexecutor
    /// The trigger engine and playbook executor, also the group's `healer` component.
    public let healer: Healer
    /// What SIGHUP, the file watcher, the control socket and `POST /v1/reload` reload through.
    public let reloader: ConfigurationReloader
    /// Every component's state and last heartbeat, as `GET /v1/components` shows them.
    public let components: ComponentRegistry
    /// Grace's root: restarts components, counts restarts against the supervision limits, escalates.
    public let tree: ComponentTree
    /// nil when the API is not served (or its address or token could not be prepared; logged).
    let api: APIServer?
    /// The state directory, created if missing: the journal (`grace.sqlite`), kernels' logs, snapshots, the API
    /// token and `control.sock`.
    public let stateDirectory: URL
}

/// Opens the state directory and journal, and assembles every long-running part of Grace as a swift-service-
/// lifecycle service of one group, in start order: supervisor, healer, snapshotter, API server, control socket,
/// configuration watcher, SIGHUP, and the systemd notifier when systemd runs Grace. Graceful shutdown runs in
/// reverse, so the kernels stop last (and systemd hears `STOPPING=1` first). Observers subscribe here, before
/// anything runs, so that the healer and the API miss no event of the boot.
public func buildServiceGroup(configuration: GraceConfiguration) async throws -> AssembledGrace {
    let logger = configuration.logger
    let graph = configuration.graph
    let root = configuration.root
    let stateDirectory = configuration.stateDirectory
    // Before anything in the directory is touched: a second Grace must change nothing.
    let lock = try StateDirectoryLock(stateDirectory: stateDirectory, inherited: configuration.handoff?.lockFD)
    let store = try StateStore(path: stateDirectory.appendingPathComponent("grace.sqlite").path)
    let reaper = ChildReaper()
    reaper.start(mode: configuration.reaperMode)
    let hub = ObservationHub()
    var cgroups: CgroupManager?
    var cgroupsUnavailable = "cgroups are turned off for this Grace"
    if configuration.useCgroups {
        switch CgroupManager.availability() {
        case .available(let manager): cgroups = manager
        case .unavailable(let reason): cgroupsUnavailable = reason
        }
    }
    var environment = RuntimeEnvironment(
        journal: Journal(store: store, hub: hub, logger: logger), hub: hub, reaper: reaper,
        reactor: try IOReactor(), clock: configuration.clock, cgroups: cgroups, logger: logger)
    environment.cgroupsUnavailable = cgroupsUnavailable

    let locator = ExecutableLocator(root: root, toolDirectories: configuration.toolDirectories)
    var supervision = Supervisor.Configuration(root: root, stateDirectory: stateDirectory, locator: locator)
    supervision.metricsInterval = configuration.metricsInterval
    supervision.agentExecutable = configuration.agentExecutable
    supervision.handoff = configuration.handoff
    supervision.fleetInstance = configuration.instanceName
    let supervisor = Supervisor(graph: graph, configuration: supervision, environment: environment)
    let limits = graph.settings?.supervision ?? GraceSettings.Supervision()
    let reexecutor = Reexecutor(
        supervisor: supervisor, lock: lock, stateDirectory: stateDirectory, inherited: configuration.handoff,
        limit: ReexecLimit(count: limits.reexec.max, within: limits.reexec.within))
    let reloader = ConfigurationReloader(supervisor: supervisor, environment: environment, load: configuration.load)
    let snapshots: SnapshotStore?
    do {
        snapshots = try SnapshotStore(directory: stateDirectory.appendingPathComponent("snapshots"))
    } catch {
        logger.error("snapshots unavailable: \(error)")
        snapshots = nil
    }
    var runner = ProcessCommandRunner(locator: locator, reaper: reaper, reactor: environment.reactor)
    // Playbook `exec` steps of a fleet instance (its promotion playbook above all) know which instance runs them.
    if let instance = configuration.instanceName { runner.environment["GRACE_INSTANCE"] = instance }
    // Helpers that steps run (libexec/) find the kernels of this Grace by these, as a restarted Grace finds leftovers.
    runner.environment["GRACE_STATE_DIR"] = stateDirectory.path
    runner.environment["GRACE_ROOT"] = root
    let agentTasks: AgentTaskStore?
    do {
        agentTasks = try AgentTaskStore(stateDirectory: stateDirectory)
    } catch {
        logger.error("agent: task queue unavailable: \(error)")
        agentTasks = nil
    }
    let work = GitWorkTree(directory: root, runner: runner)
    let git = await work.isRepository() ? work : nil
    let configurationPaths = ConfigurationLoader.includes(root: URL(fileURLWithPath: root))
    let components = ComponentRegistry()
    let tree = ComponentTree(
        registry: components, journal: environment.journal, clock: configuration.clock,
        limits: limits, logger: logger)
    if configuration.handleSignals {
        // Only a Grace that is a process of its own (`grace run`, which execs once the group has stopped) can
        // re-execute itself; a test's in-process Grace goes from rebuilds straight to the operator.
        await tree.setReexec { reason in
            do {
                try await reexecutor.request(reason: reason)
                return true
            } catch {
                logger.critical("reexec refused: \(error)")
                return false
            }
        }
    }
    if configuration.agentExecutable != nil {
        // The agent's process is a kernel: `restart_component: agent` and a deadlock restart it through the
        // supervisor, briefly (SIGKILL after a second: a frozen process ignores SIGTERM).
        await tree.setAgentProcessRestarter { reason, by in
            await supervisor.restart(
                AgentKernel.name, origin: by == "operator" ? .api : .playbook, reason: reason, grace: .seconds(1))
        }
    }
    let fleet = await fleetMember(
        configuration: configuration, supervisor: supervisor, environment: environment, snapshots: snapshots,
        stateDirectory: stateDirectory)
    let healer = Healer(
        graph: graph, supervisor: supervisor, environment: environment, runner: runner, root: root,
        snapshots: snapshots, reloader: reloader,
        agent: AgentConnection(tasks: agentTasks, git: git, configurationPaths: configurationPaths),
        components: tree, fleet: fleet?.service)
    if let fleet { await fleet.service.attach(member: fleet.member, healer: healer) }

    let heartbeats = graph.settings?.componentHeartbeats ?? [:]
    func service(_ component: any Component) -> ServiceGroupConfiguration.ServiceConfiguration {
        let wrapped = ComponentService(
            component, registry: components,
            heartbeatInterval: heartbeats[component.name] ?? configuration.defaultHeartbeat,
            clock: configuration.clock, logger: logger, tree: tree)
        // A component that fails shuts the whole group down in order, kernels last, rather than cancelling it.
        return .init(
            service: wrapped, successTerminationBehavior: .gracefullyShutdownGroup,
            failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: component.name)
    }
    var services = [service(supervisor), service(healer)]
    if let fleet { services.append(service(fleet.service)) }
    if let snapshots {
        services.append(service(Snapshotter(store: snapshots, supervisor: supervisor, environment: environment)))
    }
    if let agentTasks {
        services.append(
            service(
                AgentLiaison(
                    store: agentTasks, journal: environment.journal, supervisor: supervisor, git: git,
                    configurationPaths: configurationPaths, clock: configuration.clock,
                    knownGoodWindow: graph.settings?.knowledge.successWindow ?? .seconds(30),
                    processInterval: configuration.agentExecutable.map { _ in
                        heartbeats["agent"] ?? configuration.defaultHeartbeat
                    },
                    agentEnabled: graph.settings?.agent.enabled ?? false)))
    }
    var api: APIServer?
    if configuration.serveAPI {
        do {
            var settings = APIServer.Configuration(
                graph: graph, version: configuration.version, stateDirectory: stateDirectory)
            settings.listen = configuration.listen
            api = try await APIServer.prepare(
                configuration: settings,
                supervisor: supervisor, healer: healer, reloader: reloader, snapshots: snapshots,
                agentTasks: agentTasks, environment: environment, components: components, tree: tree,
                fleet: fleet?.service)
        } catch {
            logger.critical("api: not started: \(error)")
        }
    }
    if let api { services.append(service(api)) }
    let handler = ControlHandler(supervisor: supervisor, healer: healer, reloader: reloader, reexecutor: reexecutor)
    services.append(
        service(ControlSocket(path: stateDirectory.appendingPathComponent("control.sock").path, handler: handler)))
    if configuration.watchConfiguration {
        let directories = ConfigurationLoader.includes(root: URL(fileURLWithPath: root))
            .map { (root as NSString).appendingPathComponent($0) }
        services.append(service(ConfigurationWatcher(directories: directories, reloader: reloader)))
    }
    let notifier = configuration.systemd.flatMap {
        systemdNotifier($0, supervisor: supervisor, components: components, configuration: configuration)
    }
    if configuration.handleSignals {
        services.append(service(HangupReload(reloader: reloader, notifier: notifier)))
    }
    if let notifier {
        services.append(service(notifier))
        reexecutor.onHandoff { notifier.handingOver() }
    }
    // Last, so it stops first: a component winding down is not silent.
    let watch = ComponentSilenceWatch(
        registry: components, journal: environment.journal, clock: configuration.clock,
        tick: ComponentSilenceWatch.tick(for: components.snapshot().map(\.heartbeatInterval)), tree: tree)
    services.append(
        .init(
            service: watch, successTerminationBehavior: .gracefullyShutdownGroup,
            failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: ComponentSilenceWatch.name))

    let group = ServiceGroup(
        configuration: ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: configuration.handleSignals ? [.sigterm, .sigint] : [],
            logger: logger))
    reexecutor.setShutdown { await group.triggerGracefulShutdown() }
    return AssembledGrace(
        lock: lock, serviceGroup: group, environment: environment, supervisor: supervisor, reexecutor: reexecutor,
        healer: healer,
        reloader: reloader,
        components: components, tree: tree, api: api, stateDirectory: stateDirectory)
}

/// This instance's fleet member and the service that carries out its decisions, when the instance is listed in a
/// fleet with a lease; nil otherwise, or when the lease backend cannot be opened (logged; the instance then stays
/// a standby that does not serve: its role-dependent kernels never start).
private func fleetMember(
    configuration: GraceConfiguration, supervisor: Supervisor, environment: RuntimeEnvironment,
    snapshots: SnapshotStore?, stateDirectory: URL
) async -> (service: FleetService, member: FleetMember)? {
    let graph = configuration.graph
    guard let name = configuration.instanceName, let fleet = graph.fleet(listing: name),
        let instance = fleet.instances.first(where: { $0.name.value == name }), let lease = fleet.lease
    else { return nil }
    let backend: any LeaseBackend
    do {
        switch lease.backend.value {
        case .local:
            let path = lease.path ?? "var/fleet.lock"
            let absolute =
                path.hasPrefix("/") ? path : (configuration.root as NSString).appendingPathComponent(path)
            backend = try LocalLease(path: (absolute as NSString).standardizingPath)
        case .etcd:
            backend = EtcdLease(
                endpoints: lease.endpoints.map(\.value), key: lease.key ?? "/grace/\(fleet.header.name.value)",
                ttl: lease.ttl.value)
        }
    } catch {
        configuration.logger.critical("fleet: lease backend unavailable: \(error)")
        return nil
    }
    let claim = LeaseClaim(
        instance: name, pid: getpid(), host: ProcessInfo.processInfo.hostName, stateDirectory: stateDirectory.path,
        api: instance.api.value)
    var settings = FleetMember.Settings(
        fleet: fleet.header.name.value, claim: claim, priority: instance.priority.value,
        priorities: Dictionary(
            fleet.instances.map { ($0.name.value, $0.priority.value) }, uniquingKeysWith: { a, _ in a }),
        ttl: lease.ttl.value, renew: lease.renew.value)
    settings.declaredPrimary = fleet.instances.first { $0.role.value == .primary }?.name.value
    settings.autoPromote = fleet.failover.promote == .auto
    settings.fence = fleet.failover.fence
    let service = FleetService(
        context: .init(fleet: fleet, instance: instance, load: configuration.load, snapshots: snapshots),
        supervisor: supervisor, journal: environment.journal)
    return (service, FleetMember(settings: settings, backend: backend, delegate: service))
}

/// The notifier for systemd, or nil (logged) when `NOTIFY_SOCKET` is no usable address. Grace is ready once the
/// supervisor has booted every kernel and every other component has answered its first heartbeat or finished (an
/// API that cannot bind its port is idle and does not hold readiness back; nor does `agent`, which beats only once
/// the agent's process does: that process is a kernel, and a kernel that never gets ready is Grace's to heal). Each watchdog ping is sent after the
/// supervisor's actor has answered a call, so a stuck supervisor stops the pings and systemd restarts Grace.
private func systemdNotifier(
    _ settings: SystemdNotifier.Settings, supervisor: Supervisor, components: ComponentRegistry,
    configuration: GraceConfiguration
) -> SystemdNotifier? {
    let name = SystemdNotifier.componentName
    do {
        return try SystemdNotifier(
            settings: settings, clock: configuration.clock, logger: configuration.logger,
            isReady: {
                guard await supervisor.isBooted else { return false }
                return components.snapshot().allSatisfy {
                    $0.name == name || $0.name == AgentLiaison.componentName || $0.lastHeartbeat != nil
                        || [.idle, .stopped, .failed].contains($0.state)
                }
            },
            isAlive: {
                _ = await supervisor.pid(of: "")
                return true
            })
    } catch {
        configuration.logger.error("systemd: not notified: \(error)")
        return nil
    }
}
