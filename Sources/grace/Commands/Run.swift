import ArgumentParser
import Foundation
import GraceAPI
import GraceDSL
import Logging
import Runtime
import ServiceLifecycle

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run Grace in the foreground: supervise the kernels and heal them by the configuration's triggers.",
        discussion: """
            Compiles the configuration (a configuration with errors is refused), opens the journal in the \
            state directory, stops kernels a previous, crashed Grace left running, and boots every kernel in \
            dependency order. Exits are noticed the moment they happen and kernels restart by their policy. \
            Triggers are evaluated against the live events, metrics and log lines, and fire their playbooks \
            (cooldown, coalescing, a global rate limit, per-kernel locks). Every event, run and step is \
            journaled before it is acted on (see `grace journal show`). SIGTERM or SIGINT stops the kernels in \
            reverse order and exits.

            The HTTP API, Prometheus metrics (/metrics) and the live dashboard are served on `api.listen` of \
            the grace document (default 127.0.0.1:7070; the URL is logged at start). Writes need the bearer \
            token in <state_dir>/api.token; see docs/api.md.

            Some parts of the DSL come with later work (fleet failover and quarantine, the coding agent, \
            configuration rollback, mutual repair of Grace's own components). \
            A configuration that uses them is refused with the list, unless --allow-partial is given: then \
            everything else runs, those triggers never fire and those steps fail with a clear message.

            Examples:
              grace run --allow-partial
              grace run --log-level debug
            """)

    @OptionGroup var configurationOptions: ConfigurationOptions

    @Flag(help: "Run what this build can even though the configuration uses parts it cannot run yet.")
    var allowPartial = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(help: "Seconds between metric samples of the kernels.")
    var metricsInterval: Double = 5

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "grace")
        let compiled = try configurationOptions.compileOrExit(hint: "error: the configuration has errors; nothing was started")
        let graph = compiled.graph
        let unsupported = RuntimeSupport.unsupported(in: graph)
        if !unsupported.isEmpty {
            if allowPartial {
                for part in unsupported { logger.warning("not run by this build: \(part)") }
            } else {
                var message = "error: this build of Grace cannot run everything the configuration declares:\n"
                for part in unsupported { message += "  - \(part)\n" }
                message += "Run `grace run --allow-partial` to run everything else.\n"
                FileHandle.standardError.write(Data(message.utf8))
                throw ExitCode(1)
            }
        }
        let root = compiled.options.root
        let stateDir = URL(fileURLWithPath: graph.settings?.stateDir ?? "var/grace", relativeTo: URL(fileURLWithPath: root + "/"))
            .standardizedFileURL
        let store: StateStore
        do {
            try FileManager.default.createDirectory(at: stateDir, withIntermediateDirectories: true)
            store = try StateStore(path: stateDir.appendingPathComponent("grace.sqlite").path)
        } catch {
            Terminal.fail(.io("cannot open the journal in \(stateDir.path): \(error)"))
        }
        let reactor: IOReactor
        do {
            reactor = try IOReactor()
        } catch {
            Terminal.fail(.io("cannot start the I/O event loop: \(error)"))
        }
        var configuration = Supervisor.Configuration(
            root: root, stateDirectory: stateDir,
            locator: ExecutableLocator(root: root, toolDirectories: ToolLocation.directories()), reactor: reactor)
        configuration.metricsInterval = .milliseconds(Int64(max(0.1, metricsInterval) * 1000))
        let supervisor = Supervisor(graph: graph, store: store, configuration: configuration, logger: logger)
        let snapshots = try? SnapshotStore(directory: stateDir.appendingPathComponent("snapshots"))
        let healer = Healer(
            graph: graph, supervisor: supervisor,
            runner: ProcessCommandRunner(locator: configuration.locator, reactor: reactor),
            root: root, logger: logger, snapshots: snapshots)
        let snapshotter = snapshots.map { Snapshotter(store: $0, supervisor: supervisor, logger: logger) }
        logger.info(
            "grace \(Grace.version) supervising \(graph.kernels.count) kernels",
            metadata: ["root": .string(root), "state": .string(stateDir.path), "graph": .string(String(graph.contentHash.prefix(12)))])
        // Hot reload: `grace reload` (control socket), SIGHUP, or an edit to a watched configuration file.
        let options = configurationOptions
        let reloader = ConfigurationReloader(supervisor: supervisor, healer: healer, logger: logger) {
            do {
                return try options.load()
            } catch let error as CLIError {
                throw ControlChannelError.failed(error.description)
            }
        }
        await healer.setReloader {
            switch await reloader.reload(reason: "playbook step") {
            case .applied(let diff, let ms):
                return "reloaded in \(String(format: "%.1f", ms)) ms: \(diff.added.count) added, \(diff.changed.count) changed, \(diff.removed.count) removed"
            case .unchanged:
                return "configuration unchanged"
            case .refused(let diagnostics):
                throw ControlChannelError.failed("reload refused: \(diagnostics.filter { $0.severity == .error }.count) errors")
            }
        }
        signal(SIGHUP, SIG_IGN)
        let hangup = DispatchSource.makeSignalSource(signal: SIGHUP)
        hangup.setEventHandler { Task { await reloader.reload(reason: "SIGHUP") } }
        hangup.resume()
        let watched = ConfigurationLoader.includes(root: URL(fileURLWithPath: root)).map { (root as NSString).appendingPathComponent($0) }
        let watcher = DirectoryWatcher(directories: watched) { Task { await reloader.reload(reason: "file changed") } }
        let control = try? ControlServer(path: stateDir.appendingPathComponent("control.sock").path) { request in
            await ControlHandler.handle(request, supervisor: supervisor, healer: healer, reloader: reloader)
        }
        // The HTTP API subscribes before the supervisor boots, so its metrics and event stream miss nothing.
        var services: [any Service] = [
            SupervisorService(supervisor: supervisor, healer: healer, snapshotter: snapshotter)
        ]
        do {
            let api = try await APIServer.prepare(
                configuration: APIServer.Configuration(graph: graph, version: Grace.version, stateDirectory: stateDir),
                supervisor: supervisor, healer: healer, reloader: reloader, snapshots: snapshots, logger: logger)
            services.append(api)
        } catch {
            logger.critical("api: not started: \(error)")
        }
        defer {
            control?.close()
            hangup.cancel()
            _ = watcher
        }
        let group = ServiceGroup(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        try await group.run()
    }
}

/// The supervisor as a long-running service: boots, runs until graceful shutdown, stops the kernels.
struct SupervisorService: Service {
    let supervisor: Supervisor
    let healer: Healer
    let snapshotter: Snapshotter?

    func run() async throws {
        await healer.start()
        await supervisor.boot()
        await snapshotter?.start()
        // Park until SIGTERM/SIGINT triggers graceful shutdown (or the task is cancelled).
        try? await gracefulShutdown()
        await snapshotter?.stop()
        await healer.stop()
        await supervisor.shutdown()
    }
}

/// What the control socket answers.
enum ControlHandler {
    static func handle(_ request: ControlRequest, supervisor: Supervisor, healer: Healer, reloader: ConfigurationReloader) async
        -> ControlResponse
    {
        switch request.command {
        case "reload":
            switch await reloader.reload(reason: "grace reload") {
            case .applied(let diff, let ms):
                var details: [String] = diff.kernelsToStart.map { "started kernel \($0)" }
                details += diff.kernelsToRestart.map { "restarted kernel \($0)" }
                details += diff.kernelsToStop.map { "stopped kernel \($0)" }
                details += (diff.added + diff.changed + diff.removed).filter { $0.kind != .kernel }.map { "updated \($0)" }
                return ControlResponse(ok: true, message: String(format: "reloaded in %.1f ms", ms), details: details)
            case .unchanged:
                return ControlResponse(ok: true, message: "configuration unchanged")
            case .refused(let diagnostics):
                let errors = diagnostics.filter { $0.severity == .error }
                return ControlResponse(
                    ok: false, message: "reload refused: \(errors.count) errors; the running configuration stays",
                    details: errors.prefix(20).map {
                        "\($0.span.file):\($0.span.start.line):\($0.span.start.column): error[\($0.code.rawValue)]: \($0.message)"
                    })
            }
        case "run":
            guard let playbook = request.playbook else { return ControlResponse(ok: false, message: "`run` needs a playbook") }
            let outcome = await healer.run(playbook, arguments: request.arguments ?? [:])
            var details = ["run \(outcome.run)"]
            if let error = outcome.error { details.append(error) }
            for e in outcome.escalation { details.append("escalated to \(e.playbook): \(e.succeeded ? "succeeded" : (e.error ?? "failed"))") }
            return ControlResponse(
                ok: outcome.succeeded, message: "playbook \(playbook) \(outcome.succeeded ? "succeeded" : "failed")",
                details: details)
        case "status":
            let lines = await supervisor.status().map { k in
                "\(k.name) \(k.state) pid=\(k.pid.map(String.init) ?? "-") restarts=\(k.restarts) healthy=\(k.healthy.map { $0 ? "yes" : "no" } ?? "?")"
            }
            return ControlResponse(ok: true, message: "\(lines.count) kernels", details: lines)
        default:
            return ControlResponse(ok: false, message: "unknown command `\(request.command)`")
        }
    }
}
