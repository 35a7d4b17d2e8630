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
            reverse order and exits. `grace reexec` replaces the running Grace with a new image of itself on the \
            same pid, and its kernels keep running (see `grace reexec --help`).

            The HTTP API, Prometheus metrics (/metrics) and the live dashboard are served on `api.listen` of \
            the grace document (default 127.0.0.1:7070; the URL is logged at start). Writes need the bearer \
            token in <state_dir>/api.token; see docs/api.md.

            A Grace whose instance (`instance:` of the grace document, or --instance) is listed in a fleet \
            document is a member of that fleet: it takes the fleet's lease when it may and then runs its kernels \
            as the primary, or runs as a standby (hot: replicas and kernels that run everywhere; warm: only \
            those that run everywhere); /v1/role answers 200 only on the primary. --instance NAME starts another \
            instance of the fleet from the same configuration root: its state directory is named after it, beside \
            the grace document's (var/grace-2 beside var/grace), and its API listens on its `api` in the fleet \
            document (--listen overrides). See docs/fleet.md.

            Parts of the DSL this build cannot run (an http probe it cannot speak, for example) are refused \
            with the list, unless --allow-partial is given: then everything else runs.

            Only one Grace runs on a state directory: a second one started on it exits at once, naming the first \
            one's pid, and changes nothing.

            Exit status: 0 stopped by SIGTERM or SIGINT, 1 the configuration has errors or uses parts this build \
            cannot run (without --allow-partial), or another Grace runs on the state directory, 2 usage or I/O \
            error.

            Examples:
              grace run --allow-partial
              grace run --log-level debug --metrics-interval 1
              grace run --instance grace-2
            """)

    @OptionGroup var configurationOptions: ConfigurationOptions

    @Flag(help: "Run what this build can even though the configuration uses parts it cannot run yet.")
    var allowPartial = false

    @Option(
        help: ArgumentHelp(
            "Run as this instance of the fleet document (own state directory and API address).", valueName: "name"))
    var instance: String?

    @Option(help: ArgumentHelp("Listen for the API here instead (host:port).", valueName: "address"))
    var listen: String?

    @Option(help: ArgumentHelp("The least severe messages to log.", valueName: "level"))
    var logLevel: Logger.Level = .info

    @Option(help: ArgumentHelp("Seconds between metric samples of the kernels (0.1 to 3600).", valueName: "seconds"))
    var metricsInterval: Double = 5

    func validate() throws {
        // NaN or a huge interval would trap on the way to a Duration; a tiny one spends the machine on sampling.
        guard (0.1...3600).contains(metricsInterval) else {
            throw ValidationError("--metrics-interval must be between 0.1 and 3600 seconds, got \(metricsInterval)")
        }
    }

    func run() async throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "grace")
        let compiled = try configurationOptions.compileOrExit(
            hint: "error: the configuration has errors; nothing was started")
        try refuseUnsupported(in: compiled.graph, logger: logger)
        if let instance, compiled.graph.fleet(listing: instance) == nil {
            let known = compiled.graph.fleets.flatMap { $0.instances.map(\.name.value) }
            throw CLIError.usage(
                "--instance \(instance): no fleet document lists it"
                    + (known.isEmpty
                        ? " (the configuration has no fleet)" : "; instances: \(known.joined(separator: ", "))"))
        }
        let options = configurationOptions
        var configuration = GraceConfiguration(
            graph: compiled.graph, root: compiled.options.root, version: Grace.version, logger: logger
        ) {
            do {
                return try options.load()
            } catch let error as CLIError {
                throw ControlChannelError.failed(error.description)
            }
        }
        configuration.metricsInterval = .milliseconds(Int64(metricsInterval * 1000))
        configuration.instance = instance
        configuration.apiListen = listen
        configuration.toolDirectories = ToolLocation.directories()
        configuration.agentExecutable = ToolLocation.executable()
        // A re-executed image (`grace reexec`): adopt what the previous one handed over.
        configuration.handoff = Reexecutor.inheritedHandoff { error in
            logger.error("reexec: \(error); the kernels it handed over are stopped as leftovers and started again")
        }
        let grace: AssembledGrace
        do {
            grace = try await buildServiceGroup(configuration: configuration)
        } catch let failure as StateDirectoryLock.Failure {
            if case .held = failure { throw CLIError.refused(failure.description) }
            throw CLIError.io(failure.description)
        } catch {
            throw CLIError.io("cannot open the journal in \(configuration.stateDirectory.path): \(error)")
        }
        logger.info(
            "grace \(Grace.version) supervising \(compiled.graph.kernels.count) kernels",
            metadata: [
                "root": .string(configuration.root), "state": .string(grace.stateDirectory.path),
                "graph": .string(String(compiled.graph.contentHash.prefix(12))),
            ])
        try await grace.serviceGroup.run()
        do {
            try await grace.reexecutor.execIfRequested()
        } catch {
            logger.critical("reexec: \(error); the kernels keep running without a Grace until the next one starts")
            throw ExitCode(2)
        }
    }

    /// Parts of the configuration this build cannot run: a warning each with --allow-partial, else a refusal.
    private func refuseUnsupported(in graph: ExecutionGraph, logger: Logger) throws {
        let unsupported = RuntimeSupport.unsupported(in: graph)
        guard !unsupported.isEmpty else { return }
        if allowPartial {
            for part in unsupported { logger.warning("not run by this build: \(part)") }
            return
        }
        var message = "error: this build of Grace cannot run everything the configuration declares:\n"
        for part in unsupported { message += "  - \(part)\n" }
        message += "Run `grace run --allow-partial` to run everything else.\n"
        FileHandle.standardError.write(Data(message.utf8))
        throw ExitCode(1)
    }
}
