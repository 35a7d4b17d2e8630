import Foundation
import Glibc
import Logging
import Synchronization

/// The demo service: an HTTP server on plain threads (Service+HTTP.swift, Service+Routes.swift), a data file
/// checked and appended to every 5 s, sd_notify heartbeats, optional cache, certificate and dependency checks, and
/// the faults it injects on request (Service+Faults.swift and the Service+ files of each fault). The main thread runs ``run()``; connections, scheduled faults, leaks, burns and signals
/// have threads or queues of their own, so that a hang (``HangGate``) blocks exactly the ones it names.
final class Service: Sendable {
    /// What the HTTP threads, the main loop and the signal handlers share.
    struct State {
        /// Why /healthz answers 503; nil while healthy. The first reason stays.
        var failure: String?
        var requests = 0
        var connections = 0
        var stopping = false
        var listener: Int32 = -1
    }

    let options: Options
    let log: ComponentLoggers
    let store: DataStore?
    let notifier: Notifier?
    let startedAt = monotonic()

    // Internal, not private: the extensions in Service+HTTP.swift and Service+Faults.swift use them.
    let state = Mutex(State())
    let faultState = Mutex(FaultState())
    let hangGate: HangGate

    /// Opens the data directory and the notify socket; exits 1 if the data directory cannot be created.
    init(options: Options) {
        self.options = options
        let log = ComponentLoggers(name: options.name)
        self.log = log
        hangGate = HangGate(log: log.main)
        notifier = ProcessInfo.processInfo.environment["NOTIFY_SOCKET"].flatMap {
            Notifier(socketPath: $0, log: log.notify)
        }
        do {
            store = try options.dataDir.map { try DataStore(directory: $0) }
        } catch {
            log.data.error("cannot create data directory \(options.dataDir ?? ""): \(error.localizedDescription)")
            exit(1)
        }
        let required = loadRequiredParameters()
        faultState.withLock { $0.requiredParameters = required }
    }

    var failureReason: String? { state.withLock { $0.failure } }
    var uptime: Double { monotonic() - startedAt }

    /// Enters the failure mode (503 on /healthz) for `reason`; only the first failure is logged and kept.
    func fail(_ reason: String) {
        let first = state.withLock { state in
            defer { state.failure = state.failure ?? reason }
            return state.failure == nil
        }
        if first { log.main.error("health degraded: \(reason), answering 503 on /healthz") }
    }

    // MARK: data

    /// Verifies the data file at start: seeds a new one, records a boot in a good one, fails on a corrupt one.
    func openStore() {
        guard let store else { return }
        switch store.verify() {
        case .corrupt(let line, let reason):
            reportCorruption(line: line, reason: reason)
        case .ok(let records, _) where records == 0:
            let seed = (1...3).map { "kind=seed name=\(options.name) seq=\($0) value=\(Int.random(in: 100...999))" }
            if store.append(seed, header: "grace-demo records v1 name=\(options.name)") != nil {
                log.data.info("created \(store.path) with \(seed.count) seed records")
            } else {
                log.data.error("cannot write \(store.path): \(String(cString: strerror(errno)))")
                exit(1)
            }
        case .ok(let records, let lastID):
            log.data.info("opened \(store.path): \(records) records verified, last id \(lastID)")
            _ = store.append(["kind=boot name=\(options.name) pid=\(getpid())"])
        }
    }

    func reportCorruption(line: Int, reason: String) {
        guard let store else { return }
        log.data.error("corrupt record at line \(line) of \(store.path) reason \(reason)")
        fail("data file \(store.path) is corrupt")
    }

    /// Every 5 s while healthy: verify the whole file, then append one record.
    func appendTick() {
        guard let store, failureReason == nil else { return }
        if case .corrupt(let line, let reason) = store.verify() { return reportCorruption(line: line, reason: reason) }
        let requests = state.withLock { $0.requests }
        let payload = "kind=tick name=\(options.name) requests=\(requests) value=\(Int.random(in: 100...999))"
        let start = monotonic()
        guard let (id, bytes, fsyncMs) = store.append([payload]) else {
            return log.data.error("append to \(store.path) failed: \(String(cString: strerror(errno)))")
        }
        if fsyncMs > 20 {
            log.data.warning("slow flush: fsync took \(Int(fsyncMs))ms (budget 20ms) for \(store.path)")
        }
        let took = String(format: "%.2f", (monotonic() - start) * 1000)
        log.data.info("appended record \(id) (\(bytes) bytes) to \(store.path) in \(took)ms")
    }

    // MARK: lifecycle

    /// SIGUSR1: one INFO line with the counters.
    func dumpState() {
        hangGate.checkpoint()
        let (served, open, reason) = state.withLock { ($0.requests, $0.connections, $0.failure) }
        let uptime = String(format: "%.1f", uptime)
        let records = store?.records ?? 0
        let counts = "\(served) requests, \(open) open connections, \(records) records"
        log.main.info("state dump: uptime \(uptime)s, \(counts), failure \(reason ?? "none")")
    }

    /// SIGTERM or SIGINT: STOPPING=1, close the listener, wait for an append in flight, exit 0.
    func shutdown(signal name: String) {
        hangGate.checkpoint()  // a hung service does not honour SIGTERM: its supervisor must SIGKILL it
        let first = state.withLock { state in
            defer { state.stopping = true }
            return !state.stopping
        }
        guard first else { return }
        let uptime = String(format: "%.1f", uptime)
        let requests = state.withLock { $0.requests }
        log.main.info("received \(name), shutting down after \(uptime)s and \(requests) requests")
        notifier?.send("STOPPING=1")
        state.withLock { state in
            Glibc.shutdown(state.listener, Int32(SHUT_RDWR))
            close(state.listener)
        }
        _ = store?.verify()  // takes the store lock: waits for an append in flight
        log.main.info("stopped cleanly")
        exit(0)
    }

    /// Starts listening and loops every 100 ms on the main thread: heartbeats, the --fail-after clock, appends and
    /// the odd WARN line.
    func run() -> Never {
        log.main.info("starting grace-demo pid \(getpid()) on port \(options.port), data \(options.dataDir ?? "none")")
        openStore()
        openCache()
        openCertificate()
        listen()
        Thread.detachNewThread { [self] in acceptLoop() }
        startDependencyChecks()

        var watchdogEvery = 2.0
        if let usec = ProcessInfo.processInfo.environment["WATCHDOG_USEC"].flatMap(UInt64.init), usec > 0 {
            watchdogEvery = Double(usec) / 2e6
        }
        if let notifier {
            if notifier.send("READY=1\nSTATUS=listening on 127.0.0.1:\(options.port)") {
                log.notify.info(
                    "sent READY=1 to \(notifier.target), watchdog every \(String(format: "%.2f", watchdogEvery))s")
            } else {
                log.notify.warning("READY=1 to \(notifier.target) failed: \(String(cString: strerror(errno)))")
            }
        }
        var nextWatchdog = monotonic() + watchdogEvery, nextAppend = monotonic() + 5, watchdogDelivered = true
        var nextSecond = monotonic() + 1, clock = ClockWatch(), reapRequestsSeen = 0, lastCacheReport = monotonic()
        _ = clock.check()
        for (fault, after) in options.faults {
            do throws(FaultError) {
                try inject(fault, after: after, origin: "--fault at start").then?()
            } catch {
                log.fault.error("--fault \(fault.name) failed: \(error.message)")
            }
        }
        while true {
            usleep(100_000)
            hangGate.checkpoint()
            let now = monotonic()
            if let notifier, now >= nextWatchdog, !heartbeatSilenced {
                let sent = notifier.send("WATCHDOG=1")
                if !sent && watchdogDelivered {
                    log.notify.warning("WATCHDOG=1 to \(notifier.target) failed: errno \(errno)")
                }
                watchdogDelivered = sent
                nextWatchdog = now + watchdogEvery
            }
            answerReapRequests(seen: &reapRequestsSeen)
            if now >= nextSecond {
                nextSecond = now + 1
                if let jump = clock.check() { reportClockJump(jump) }
                checkCacheSpace(now: now, lastReport: &lastCacheReport)
            }
            let injected = options.failAfter.map { uptime >= $0 } ?? false
            if injected { fail("injected failure after \(Int(options.failAfter ?? 0))s (--fail-after)") }
            guard now >= nextAppend else { continue }
            nextAppend = now + 5
            if failureReason != nil {
                guard injected else { continue }
                let stall = Int.random(in: 3000...3100)
                log.http.error(
                    "request handler stalled for \(stall)ms waiting on worker pool, request id \(requestID())")
                continue
            }
            appendTick()
            switch Int.random(in: 0..<18) {
            case 0:
                log.http.warning(
                    "connection pool at \(Int.random(in: 80...95))% (\(Int.random(in: 13...15))/16 in use)")
            case 1: log.http.warning("request queue depth \(Int.random(in: 33...60)) above soft limit 32")
            case 2: log.main.warning("gc pause \(Int.random(in: 11...40))ms exceeded budget 10ms")
            default: break
            }
        }
    }
}
