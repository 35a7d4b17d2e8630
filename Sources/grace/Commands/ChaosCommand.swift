import ArgumentParser
import Chaos
import Foundation
import GraceAPIModels
import GraceDSL
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// `grace chaos list|run|kong`: rehearse the configuration's faults against the running Grace, for real.
struct ChaosCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos",
        abstract: "List the chaos scenarios, run drills against the running Grace, or a Chaos Kong drill.",
        discussion: """
            A drill checks the steady state (every kernel healthy, the expected trigger out of its cooldown), \
            injects the scenario's fault for real (signals, files, a full tmpfs, nftables, stress-ng, the \
            kernel's own fault endpoint), waits for the expected trigger, playbook and healthy kernels within \
            the scenario's `within`, runs the rollbacks (always, even when the drill fails or is interrupted), \
            checks the steady state again and evaluates the gates from what it measured. Every phase is \
            journaled by Grace (chaos.started, chaos.injected, chaos.finished) and shown on the dashboard. \
            Needs root for the faults that mount or use nftables. See docs/chaos.md.
            """,
        subcommands: [List.self, RunDrills.self, Kong.self, HoldPort.self, DelayProxy.self],
        defaultSubcommand: List.self)
}

/// Where the drill's results go, besides the terminal.
struct DrillOutputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Write the drills as JUnit XML to this file.", valueName: "file"))
    var junit: String?

    @Option(help: ArgumentHelp("Write the drills' journal (JSON, Chaos Toolkit-like) to this file.", valueName: "file"))
    var journal: String?

    @Option(help: ArgumentHelp("Longest wait for the steady state before a fault, in seconds.", valueName: "seconds"))
    var steadyTimeout: Int = 120

    func write(_ journal: DrillJournal, suite: String) throws {
        if let path = self.journal { try journal.json().write(to: URL(fileURLWithPath: path)) }
        if let path = junit { try journal.junit(suite: suite).write(toFile: path, atomically: true, encoding: .utf8) }
    }
}

extension ChaosCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the chaos scenarios and gates of the running graph, and the latest drills.")

        @OptionGroup var options: APIOptions

        func run() async throws {
            let (view, data) = try await options.client().get(ChaosView.self, "/v1/chaos")
            if options.json { return APIClient.printJSON(data) }
            print(
                Table.render(
                    header: ["SCENARIO", "FAULT", "EXPECTS", "WITHIN", "GATES", "PROBES"],
                    rows: view.scenarios.map { s in
                        [
                            s.name, s.summary,
                            [s.expect?.trigger, s.expect?.playbook].compactMap { $0 }.joined(separator: " -> "),
                            s.expect?.withinMs.map { Format.duration(Double($0) / 1000) } ?? "-",
                            s.gates.joined(separator: ","), s.probes.isEmpty ? "-" : String(s.probes.count),
                        ]
                    }))
            if !view.drills.isEmpty {
                print("\nlatest drills:")
                print(
                    Table.render(
                        header: ["ID", "SCENARIO", "STATUS", "HEALED", "FAILED GATES"],
                        rows: view.drills.prefix(10).map { d in
                            [
                                String(d.id), d.scenario, d.status + (d.deviated ? " (deviated)" : ""),
                                d.healedMs.map { String(format: "%.1fs", Double($0) / 1000) } ?? "-",
                                d.failedGates.joined(separator: "; "),
                            ]
                        }))
            }
        }
    }

    struct RunDrills: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run drills: the named scenarios, --all of them, or --random N seeded ones.",
            discussion: "Exit status: 0 every drill completed, 1 a drill failed or was aborted, 2 usage or I/O error.")

        @Argument(
            help: ArgumentHelp(
                "Scenarios to run, in order (each as many times as its `repeat`).", valueName: "scenario"))
        var scenarios: [String] = []

        @Flag(help: "Run every scenario, in name order (each as many times as its `repeat`).")
        var all = false

        @Option(
            help: ArgumentHelp(
                "Run this many scenarios drawn at random (with --seed), each among those whose expected trigger is out of its cooldown.",
                valueName: "n"))
        var random: Int?

        @Option(help: ArgumentHelp("The seed of --random (default: from the clock, printed).", valueName: "n"))
        var seed: UInt64?

        @OptionGroup var output: DrillOutputOptions
        @OptionGroup var options: APIOptions

        func validate() throws {
            let modes = [!scenarios.isEmpty, all, random != nil].filter { $0 }.count
            guard modes == 1 else { throw ValidationError("name scenarios, or give --all, or --random N") }
            if let random, random < 1 { throw ValidationError("--random takes a positive count") }
        }

        func run() async throws {
            let session = try await ChaosSession.open(options, steadyTimeout: output.steadyTimeout)
            let graph = session.target.graph
            var chosen: [ChaosScenario] = []
            let seed = self.seed ?? UInt64(Date().timeIntervalSince1970 * 1000)
            // A scenario's `repeat` runs it that many times back to back; a random draw is one drill.
            func repeated(_ s: ChaosScenario) -> [ChaosScenario] { Array(repeating: s, count: max(1, s.repeatCount)) }
            if all {
                chosen = graph.chaos.sorted { $0.header.name.value < $1.header.name.value }.flatMap(repeated)
            } else if let random {
                let pool = graph.chaos.sorted { $0.header.name.value < $1.header.name.value }
                guard !pool.isEmpty else { throw CLIError.usage("the configuration declares no chaos scenario") }
                print("random drills: \(random), seed \(seed)")
                let runner = session.runner
                var drills = RandomDrills(pool: pool, count: random, seed: seed)
                let journal = try await session.drive(seed: seed) {
                    await drills.next { (await runner.cooldownLeft($0) ?? .zero) <= .zero }
                }
                return try finish(journal)
            } else {
                for name in scenarios {
                    guard let s = graph.chaos.first(where: { $0.header.name.value == name }) else {
                        throw CLIError.usage(
                            "no chaos scenario `\(name)`; there are: "
                                + graph.chaos.map(\.header.name.value).sorted().joined(separator: ", "))
                    }
                    chosen += repeated(s)
                }
            }
            var queue = chosen[...]
            try finish(try await session.drive(seed: nil) { queue.popFirst() })
        }

        /// Writes the reports and says how many drills completed; exit status 1 when one failed.
        private func finish(_ journal: DrillJournal) throws {
            try output.write(journal, suite: "grace chaos run")
            print("\(journal.passed) of \(journal.drills.count) drills completed")
            if journal.failed > 0 { throw ExitCode(1) }
        }
    }

    struct Kong: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Chaos Kong: faults of every class at seeded random moments, across the tiers, for a while.",
            discussion: """
                The critical tier is taken down, data corrupted, CPU and memory saturated (stress-ng), a \
                playbook broken for the agent to repair, snapshots taken every 20 s, and the other scenarios' \
                faults at random moments in the first three quarters of --duration (a fault whose trigger waits \
                out a window, such as a minute of high CPU, early enough for that window to end in time). The \
                verdict needs every gate of the configuration to hold and everything healthy within 60 s of the \
                last fault. \
                Exit status: 0 passed, 1 failed, 2 usage or I/O error.
                """)

        @Option(help: ArgumentHelp("How long the drill injects faults (5m).", valueName: "duration"))
        var duration: String = "5m"

        @Option(help: ArgumentHelp("The seed (default: from the clock, printed).", valueName: "n"))
        var seed: UInt64?

        @OptionGroup var output: DrillOutputOptions
        @OptionGroup var options: APIOptions

        func run() async throws {
            guard let length = DurationParser.parse(duration), length >= .seconds(60) else {
                throw ValidationError("--duration takes a duration of at least 1m, such as 5m")
            }
            let session = try await ChaosSession.open(options, steadyTimeout: output.steadyTimeout)
            let seed = self.seed ?? UInt64(Date().timeIntervalSince1970 * 1000)
            print("Chaos Kong for \(duration), seed \(seed)")
            let started = Date()
            let report = await session.runner.kong(duration: length, seed: seed)
            let journal = DrillJournal(start: started, end: Date(), seed: seed, drills: [report])
            try output.write(journal, suite: "grace chaos kong")
            for gate in report.gates {
                print(
                    "\(gate.ok ? "ok    " : "FAILED") \(gate.gate): \(gate.check) = \(gate.measured) (needs \(gate.threshold))"
                )
            }
            print("kong: \(report.status)" + (report.detail.map { ": \($0)" } ?? ""))
            if !report.passed { throw ExitCode(1) }
        }
    }

    /// Binds a TCP port on 127.0.0.1 as soon as it is free and holds it: the `bind_port` fault's other process.
    struct HoldPort: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hold-port", abstract: "Hold a TCP port (used by bind_port drills).", shouldDisplay: false)

        @Argument var port: Int

        func run() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw CLIError.io("socket: errno \(errno)") }
            // As servers do: the kernel just killed leaves connections in TIME_WAIT on the port, which would
            // refuse a plain bind for a minute. A listener still there refuses it all the same.
            var one: Int32 = 1
            _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            // Ready to take the port the moment it is free: the drill kills the kernel only after this line.
            FileHandle.standardOutput.write(Data("waiting for \(port)\n".utf8))
            let deadline = Date().addingTimeInterval(30)
            while true {
                let bound = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
                if bound == 0, listen(fd, 16) == 0 { break }
                guard Date() < deadline else { throw CLIError.io("port \(port) stayed taken for 30 s") }
                usleep(1000)
            }
            FileHandle.standardOutput.write(Data("bound \(port)\n".utf8))
            while true { pause() }
        }
    }
}

/// The running Grace (and the other instances of its fleet), the compiled configuration, and the runner.
struct ChaosSession {
    let target: DrillTarget
    let runner: DrillRunner
    /// Kept for the session's life: Ctrl-C (SIGINT) and SIGTERM interrupt the drill under way rather than kill the
    /// runner, so that its rollbacks run now and the reports are written; a second one exits at once (the next
    /// `grace chaos` finishes the ledger).
    let signals: [any DispatchSourceSignal]
    /// Held for the session's life: one drill runner at a time against this Grace.
    let lock: RunnerLock

    static func open(_ options: APIOptions, steadyTimeout: Int) async throws -> ChaosSession {
        let configured = try ConfiguredRoot.load()
        guard let graph = configured.result.graph else {
            throw CLIError.refused("the configuration does not compile (`grace validate`); fix it before a drill")
        }
        let mainClient = try options.client()
        let main = options.instance ?? configured.settings?.instance?.value ?? "grace"
        var links: [String: any GraceLink] = [main: APILink(instance: main, client: mainClient)]
        if let fleet = graph.fleet(listing: main) {
            for other in fleet.instances.map(\.name.value) where other != main {
                if let client = try? APIClient.connecting(
                    api: nil, state: StateDirectoryOption.parse([]), instance: other)
                {
                    // An instance that has never run has no token yet: the drill that starts it makes one, so it is
                    // read again for every request (the state directory as `APIClient.connecting` finds it).
                    let own = configured.settings?.instance?.value == other
                    let tokenFile =
                        (own
                        ? configured.stateDirectory
                        : configured.stateDirectory.deletingLastPathComponent().appendingPathComponent(other))
                        .appendingPathComponent("api.token")
                    links[other] = APILink(instance: other, client: client, tokenFile: tokenFile)
                }
            }
        }
        let status = try await mainClient.get(StatusResponse.self, "/v1/status").value
        guard status.configurationHash == graph.contentHash else {
            throw CLIError.refused(
                "the running Grace runs another configuration than \(configured.root.path) holds (graph "
                    + "\(status.configurationHash.prefix(12)) against \(graph.contentHash.prefix(12))): "
                    + "`grace reload` first, so that the drill expects what runs")
        }
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        let root = configured.root
        let state = try options.state.stateDir.map { _ in try options.state.resolve() } ?? configured.stateDirectory
        let target = DrillTarget(
            root: root, graph: graph, links: links, main: main, http: ChaosHTTPClient(),
            startInstance: { instance in
                let log = state.deletingLastPathComponent().appendingPathComponent("\(instance)-chaos.log")
                // Not through setsid(1): it forks when it leads a process group, and the pid recorded for the
                // rollback would be that of a process already gone. A group of its own all the same, so that a ^C
                // to the runner's terminal does not reach it. Appended to: the log of the instance's earlier runs
                // (an earlier drill's) is evidence too.
                let fd = ChildProcess.openLog(log, append: true)
                defer { if fd >= 0 { close(fd) } }
                guard fd >= 0 else { throw CLIError.io("cannot open \(log.path): \(String(cString: strerror(errno)))") }
                let pid = try ChildProcess.spawn(
                    [executable, "run", "--instance", instance], directory: root, stdout: fd, stderr: fd,
                    newProcessGroup: true)
                ChildProcess.reap(pid)
                return pid
            }, executable: executable)
        let lock: RunnerLock
        do {
            lock = try RunnerLock(directory: state.appendingPathComponent("chaos"))
        } catch let held as RunnerLock.Held {
            throw CLIError.refused(held.description)
        }
        var runnerOptions = DrillRunner.Options()
        runnerOptions.steadyTimeout = .seconds(steadyTimeout)
        let runner = DrillRunner(
            target: target, workDirectory: state.appendingPathComponent("chaos"), options: runnerOptions,
            say: { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) })
        for line in await runner.finishLeftovers() { print("rollback left by an earlier drill: \(line)") }
        var signals: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                Task {
                    if await runner.interrupted { exit(130) }
                    await runner.interrupt()
                }
            }
            source.resume()
            signals.append(source)
        }
        return ChaosSession(target: target, runner: runner, signals: signals, lock: lock)
    }

    /// Runs the drills `next` gives, one after another, until it gives none or the runner is interrupted: Ctrl-C
    /// (SIGINT) or SIGTERM ends the current drill early, its rollbacks still run, and it is reported `interrupted`.
    func drive(seed: UInt64?, next: () async -> ChaosScenario?) async throws -> DrillJournal {
        let started = Date()
        var reports: [DrillReport] = []
        while !(await runner.interrupted), let scenario = await next() {
            let report = await runner.run(scenario, seed: seed)
            reports.append(report)
            print(
                "\(report.passed ? "ok    " : "FAILED") \(report.scenario)"
                    + (report.healedMs.map { String(format: " healed in %.1fs", Double($0) / 1000) } ?? "")
                    + (report.detail.map { ": \($0)" } ?? ""))
        }
        return DrillJournal(start: started, end: Date(), seed: seed, drills: reports)
    }
}

/// A `GraceLink` over the API client.
struct APILink: GraceLink {
    let instance: String
    private let fixed: APIClient
    /// Read before every request when set: the instance may write its token only after the link is made.
    private let tokenFile: URL?

    init(instance: String, client: APIClient, tokenFile: URL? = nil) {
        self.instance = instance
        self.fixed = client
        self.tokenFile = tokenFile
    }

    private var client: APIClient {
        guard let tokenFile,
            let token = try? String(contentsOf: tokenFile, encoding: .utf8).trimmingCharacters(
                in: .whitespacesAndNewlines), !token.isEmpty
        else { return fixed }
        return APIClient(base: fixed.base, token: token)
    }

    func status() async throws -> StatusResponse { try await client.get(StatusResponse.self, "/v1/status").value }

    func kernels() async throws -> [KernelView] {
        try await client.get(KernelsResponse.self, "/v1/kernels").value.kernels
    }

    func events(after: Int64) async throws -> [EventView] {
        try await client.get(EventsPage.self, "/v1/events?after=\(after)&limit=500").value.events
    }

    func journalCheck() async throws -> JournalCheckView {
        try await client.get(JournalCheckView.self, "/v1/journal/verify").value
    }

    func record(_ record: DrillRecord) async throws {
        let body = try JSONEncoder().encode(record)
        _ = try await client.get(MessageResponse.self, "/v1/chaos/drills", method: "POST", body: body)
    }

    func snapshot(kernel: String) async throws {
        let body = try JSONEncoder().encode(["kernel": kernel])
        _ = try await client.send("POST", "/v1/snapshots", body: body)
    }

    func rejoin() async throws {
        _ = try await client.send("POST", "/v1/fleet/rejoin", body: Data("{}".utf8))
    }

    func fleet() async throws -> FleetView { try await client.get(FleetView.self, "/v1/fleet").value }
}

/// Plain HTTP for probes and fault endpoints, over the CLI's SwiftNIO exchange.
struct ChaosHTTPClient: ChaosHTTP {
    func get(_ url: String, timeout: Duration) async -> Int? {
        guard let u = URL(string: url) else { return nil }
        let ms = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
        return try? await HTTPExchange.send(method: "GET", url: u, timeout: .milliseconds(ms)).status
    }

    func fetch(_ url: String, timeout: Duration) async -> HTTPAnswer? {
        guard let u = URL(string: url) else { return nil }
        let ms = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
        guard let answer = try? await HTTPExchange.send(method: "GET", url: u, timeout: .milliseconds(ms)) else {
            return nil
        }
        return HTTPAnswer(status: answer.status, body: String(decoding: answer.body, as: UTF8.self))
    }

    func post(_ url: String) async throws -> Int {
        guard let u = URL(string: url) else { throw CLIError.usage("`\(url)` is not a URL") }
        return try await HTTPExchange.send(method: "POST", url: u, body: [], timeout: .seconds(10)).status
    }
}
