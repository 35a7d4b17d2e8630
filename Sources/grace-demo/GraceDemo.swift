import ArgumentParser
import Foundation
import Glibc

/// The `grace-demo` command: a small, real service for Grace to supervise (the kernels of the default
/// configuration). It checks its flags, then runs a ``Service`` until a signal or a fault ends the process.
@main
struct GraceDemo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grace-demo",
        abstract: "A small, real service for Grace to supervise, with faults to inject on demand.",
        discussion: """
            Serves HTTP/1.1 on 127.0.0.1:PORT: GET /healthz answers 200 "ok", or 503 in a failure mode, and \
            GET / the status as JSON. With --data it keeps DIR/data.db, a file of checksummed records: seeded \
            at the first start, verified before every append (every 5 s); a corrupt file puts the service into \
            a failure mode and is never written to again. Log lines go to stdout as \
            `<Date> <Time> <Level> <Component>: <Content>`.

            With NOTIFY_SOCKET set it speaks sd_notify: READY=1 once listening, WATCHDOG=1 every \
            WATCHDOG_USEC/2 (2 s without it), and STOPPING=1 on SIGTERM or SIGINT, after which it exits 0. \
            SIGUSR1 logs a one-line state dump; SIGHUP reloads the certificate; SIGUSR2 crashes (abort), even while \
            hung; a SIGCHLD sent to it reaps its children.

            Faults, for tests and chaos drills: GET /fault lists them and what is active. POST /fault/NAME \
            injects one, its parameters in the query string or a form body; an unknown or bad parameter is a \
            400 and nothing happens. Every fault also takes after=DURATION, to inject it later.
              crash?how=abort|exit|segv&code=N  a FATAL line, abort(), exit(N) or SIGSEGV
              hang?seconds=S                    serving, heartbeats, appends, SIGTERM block
              leak?mb=N&every=100ms&max=M       allocate and touch N MiB every interval
              burn?threads=N&seconds=S          busy-loop on N threads
              corrupt?how=flip|torn|garbage     damage DIR/data.db: 503 on /healthz
              emit?line=TEXT&count=N&level=L&component=C
                                                log TEXT as an ERROR (or L) line
              silence?seconds=S                 stop WATCHDOG=1, keep serving
              require?param=NAME                GET /call needs NAME in the environment
              fill?mb=N&max=M                   fill the --cache file system: ENOSPC, 503
              squat?seconds=S                   a stranger takes the port, then exit 1
              slow?ms=N&seconds=S               every answer N ms later
              fdleak?count=N&every=10ms         open descriptors and never close them
              flood?rate=N&level=INFO           N log lines a second
              zombies?count=N&reap=signal|never children nobody reaps
              clock?offset=-1h                  step this process's wall clock
              tls?days=N                        re-issue --tls-cert to expire in N days
              stop?name=leak|burn|silence|slow|fdleak|flood|zombies
                                                end those faults, free what they hold
            Durations are 250ms, 2s, 1.5m, 500us, 1h or plain seconds. POST /log-level?level=WARN sets the \
            lowest level logged (GET /log-level reads it).

            With --cache DIR it keeps scratch files in DIR, which may be deleted at any time; a full file system \
            there is a failure mode (503) until a write fits again. With --tls-cert and --tls-key it holds a \
            certificate (self-signed with openssl when missing) and reloads it on SIGHUP. With --depends-on \
            NAME=URL it checks URL every second and logs an ERROR line while it is down.

            Examples:
              grace-demo --name api --port 8081 --data var/demo/api
              grace-demo --fault 'leak?mb=4&every=1s' --fault 'crash?how=segv&after=30s'

            Exit status: 0 after SIGTERM or SIGINT; 1 when it cannot listen or write its data file; 2 for a \
            bad argument; a crash fault exits as it says.
            """)

    @Option(parsing: .unconditional, help: "One word naming this instance; log lines show it before their component.")
    var name = "demo"

    @Option(parsing: .unconditional, help: "Serve HTTP on 127.0.0.1:<port> (1-65535).")
    var port: UInt16 = 8080

    @Option(
        name: .customLong("data"), parsing: .unconditional,
        help: ArgumentHelp("Keep checksummed records in <dir>/data.db (created if missing).", valueName: "dir"))
    var dataDir: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Enter a failure mode after that many seconds: 503 on /healthz, and ERROR lines.", valueName: "seconds"))
    var failAfter: Double?

    @Option(
        parsing: .unconditionalSingleValue,
        help: ArgumentHelp("Crash (abort) after that long: --fault 'crash?after=<seconds>'.", valueName: "seconds"))
    var crashAfter: [String] = []

    @Option(
        parsing: .unconditionalSingleValue,
        help: ArgumentHelp(
            "Inject a fault once listening, as POST /fault/NAME?PARAMS would (repeatable).", valueName: "NAME?PARAMS"))
    var fault: [String] = []

    @Option(
        name: .customLong("cache"), parsing: .unconditional,
        help: ArgumentHelp("Keep scratch files in <dir> (created if missing); they may be deleted.", valueName: "dir"))
    var cacheDir: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Hold the certificate <file> (self-signed with openssl when missing); SIGHUP reloads it.",
            valueName: "file"))
    var tlsCert: String?

    @Option(
        parsing: .unconditional, help: ArgumentHelp("The key of --tls-cert (made when missing).", valueName: "file"))
    var tlsKey: String?

    @Option(
        parsing: .unconditionalSingleValue,
        help: ArgumentHelp(
            "Check a service this one depends on every second (repeatable).", valueName: "NAME=http://HOST:PORT/PATH"))
    var dependsOn: [String] = []

    /// The `squat` fault's squatter: hold this port (an internal mode, not for users).
    @Option(parsing: .unconditional, help: .hidden)
    var squat: UInt16?

    @Option(parsing: .unconditional, help: .hidden)
    var squatSeconds: Double = 600

    func validate() throws {
        _ = try options()
    }

    func run() throws {
        if let squat { Service.squat(port: squat, seconds: squatSeconds) }
        let service = Service(options: try options())
        signal(SIGPIPE, SIG_IGN)
        Service.installChildHandler()
        let signals = SignalHandlers(service: service)
        withExtendedLifetime(signals) { service.run() }
    }

    /// The flags, checked and converted. Faults given by --fault come first, in their order, then --crash-after.
    func options() throws(ValidationError) -> Options {
        guard !name.isEmpty, !name.contains(where: { $0.isWhitespace }) else {
            throw ValidationError("--name must be one word")
        }
        guard port > 0 else { throw ValidationError("--port must be 1-65535, not '\(port)'") }
        if let failAfter, !(failAfter >= 0) { throw ValidationError("--fail-after must be seconds >= 0") }
        var faults = try fault.map { spec throws(ValidationError) in try Self.startFault(spec) }
        for text in crashAfter {
            guard let seconds = parseSeconds(text), seconds <= 86_400 else {
                throw ValidationError("--crash-after must be seconds >= 0")
            }
            faults.append((.crash(how: .abort, code: 1), seconds))
        }
        if dataDir == nil, faults.contains(where: { if case .corrupt = $0.fault { true } else { false } }) {
            throw ValidationError("--fault corrupt needs --data DIR")
        }
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
        var dependencies: [Dependency] = []
        for text in dependsOn {
            guard let dependency = Dependency(text) else {
                throw ValidationError(
                    "--depends-on '\(text)': write NAME=http://HOST:PORT/PATH with a numeric IPv4 host")
            }
            dependencies.append(dependency)
        }
        return Options(
            name: name, port: port, dataDir: dataDir, failAfter: failAfter, faults: faults, cacheDir: cacheDir,
            tlsCert: tlsCert, tlsKey: tlsKey, dependencies: dependencies)
    }

    /// `NAME?PARAMS`, as the HTTP endpoint takes them: the fault and its delay.
    static func startFault(_ spec: String) throws(ValidationError) -> (fault: Fault, after: Double) {
        let parts = spec.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        guard let parameters = decodeForm(parts.count > 1 ? parts[1] : "") else {
            throw ValidationError("--fault '\(spec)': bad percent-encoding")
        }
        do {
            return try Fault.parse(String(parts[0]), parameters)
        } catch {
            throw ValidationError("--fault '\(spec)': \(error.message)")
        }
    }

    /// Runs the command like `ParsableCommand.main()`, but exits 2 on a bad argument, as grace-demo always has,
    /// instead of the library's 64.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Glibc.exit(code == .validationFailure || code == .failure ? 2 : code.rawValue)
        }
    }
}
