import Foundation
import Glibc
import Logging

extension Service {
    /// Whether WATCHDOG=1 is held back now (`POST /fault/silence`).
    var heartbeatSilenced: Bool {
        faultState.withLock { faults in
            guard let until = faults.silenceUntil else { return false }
            if monotonic() < until { return true }
            faults.silenceUntil = nil
            return false
        }
    }

    /// Injects `fault` now, or from another thread after `after` seconds. Returns what to answer and, for a crash
    /// or a hang, what to do once the answer is out (nothing is done before `then` runs).
    func inject(_ fault: Fault, after: Double, origin: String) throws(FaultError) -> (
        message: String, then: (@Sendable () -> Void)?
    ) {
        if case .corrupt = fault, store == nil {
            throw FaultError(409, "no data file: this instance runs without --data")
        }
        if case .fill = fault, options.cacheDir == nil {
            throw FaultError(409, "no cache directory: this instance runs without --cache")
        }
        if case .tls = fault, options.tlsCert == nil {
            throw FaultError(409, "no certificate: this instance runs without --tls-cert")
        }
        guard after <= 0 else {
            log.fault.info("\(fault.name) scheduled in \(describe(after)) (\(origin))")
            Thread.detachNewThread { [self] in
                Thread.sleep(forTimeInterval: after)
                do throws(FaultError) {
                    try inject(fault, after: 0, origin: "\(origin), \(describe(after)) later").then?()
                } catch {
                    log.fault.error("scheduled \(fault.name) failed: \(error.message)")
                }
            }
            return ("\(fault.name) scheduled in \(describe(after))", nil)
        }
        switch fault {
        case .crash(let how, let code):
            return (
                "crashing by \(how == .exit ? "exit(\(code))" : how.rawValue)",
                { [self] in crash(how, code: code, cause: origin) }
            )
        case .hang(let seconds):
            return (
                "hanging \(seconds.map { "for \(describe($0))" } ?? "until killed")",
                { [self] in hangGate.hang(seconds: seconds, cause: origin) }
            )
        case .leak(let mib, let every, let cap):
            return (startLeak(mib: mib, every: every, cap: cap), nil)
        case .burn(let threads, let seconds):
            return (startBurn(threads: threads, seconds: seconds), nil)
        case .corrupt(let how):
            return (try corruptData(how), nil)
        case .emit(let line, let count, let level, let component):
            log.emit(line, count: count, level: level, component: component)
            return ("logged \(count) \(level) line\(count == 1 ? "" : "s")", nil)
        case .silence(let seconds):
            let message =
                "heartbeat silenced \(seconds.map { "for \(describe($0))" } ?? "until /fault/stop"), still serving"
            faultState.withLock { $0.silenceUntil = seconds.map { monotonic() + $0 } ?? .infinity }
            log.fault.warning("fault injected: \(message) (\(origin))")
            return (message, nil)
        case .require(let parameter, let example):
            return (require(parameter, example: example, origin: origin), nil)
        case .fill(let mib, let max):
            return (try startFill(mib: mib, max: max), nil)
        case .squat(let seconds):
            let (message, then) = squat(seconds: seconds, origin: origin)
            return (message, then)
        case .slow(let milliseconds, let seconds):
            return (startSlow(milliseconds: milliseconds, seconds: seconds), nil)
        case .fdleak(let count, let every):
            return (startDescriptorLeak(count: count, every: every), nil)
        case .flood(let rate, let seconds, let level):
            return (startFlood(rate: rate, seconds: seconds, level: level), nil)
        case .zombies(let count, let every, let reap):
            return (startZombies(count: count, every: every, reap: reap), nil)
        case .clock(let offset):
            return (stepClock(by: offset), nil)
        case .tls(let days):
            return (try expireCertificate(days: days), nil)
        case .stop(let which):
            return (stopFaults(which), nil)
        }
    }

    /// Logs a FATAL line and dies the way `how` says.
    func crash(_ how: Fault.CrashHow, code: Int32, cause: String) -> Never {
        let by = how == .exit ? "exit(\(code))" : how.rawValue
        log.main.critical("fault injected: crash by \(by) (\(cause)), pid \(getpid()) going down")
        switch how {
        case .exit:
            exit(code)
        case .abort:
            signal(SIGABRT, SIG_DFL)  // no backtrace handler in the way: die of SIGABRT at once
            abort()
        case .segv:
            signal(SIGSEGV, SIG_DFL)
            UnsafeMutablePointer<UInt8>(bitPattern: 8)?.pointee = 1  // an unmapped page
            raise(SIGSEGV)
            abort()
        }
    }

    /// Starts a thread that allocates and touches `mib` MiB every `every` seconds up to `cap` MiB.
    func startLeak(mib: Int, every: Double, cap: Int) -> String {
        let generation = faultState.withLock { faults in
            faults.leakGeneration += 1
            faults.leaking = true
            return faults.leakGeneration
        }
        let message = "leaking \(mib) MiB every \(describe(every)) up to \(cap) MiB"
        log.fault.warning("fault injected: \(message)")
        Thread.detachNewThread { [self] in
            var nextReport = 64
            func finish(_ report: String) {
                faultState.withLock { faults in if faults.leakGeneration == generation { faults.leaking = false } }
                log.fault.warning("\(report)")
            }
            while true {
                hangGate.checkpoint()
                guard
                    let (step, held) = faultState.withLock({ faults -> (Int, Int)? in
                        faults.leakGeneration == generation ? (min(mib, cap - faults.leakedMiB), faults.leakedMiB) : nil
                    })
                else { return }
                guard step > 0 else { return finish("leak reached its cap: holding \(held) MiB") }
                guard let block = malloc(step << 20) else {
                    let reason = String(cString: strerror(errno))
                    return finish("leak: cannot allocate \(step) MiB more (\(reason)), holding \(held) MiB")
                }
                memset(block, 0xA5, step << 20)  // touch every page, so that RSS really grows
                let now = faultState.withLock { faults -> Int? in
                    guard faults.leakGeneration == generation else { return nil }
                    faults.leakedBlocks.append(FaultState.LeakedBlock(pointer: block))
                    faults.leakedMiB += step
                    return faults.leakedMiB
                }
                guard let now else { return free(block) }
                if now >= nextReport {
                    log.main.warning("resident memory grew by \(now) MiB since the leak started, no sign of release")
                    nextReport = (now / 64 + 1) * 64
                }
                Thread.sleep(forTimeInterval: every)
            }
        }
        return message
    }

    /// Starts `threads` threads that busy-loop for `seconds`.
    func startBurn(threads: Int, seconds: Double) -> String {
        let generation = faultState.withLock { faults in
            faults.burnGeneration += 1
            faults.burningThreads += threads
            return faults.burnGeneration
        }
        let until = monotonic() + seconds
        let message = "burning CPU on \(threads) thread\(threads == 1 ? "" : "s") for \(describe(seconds))"
        log.fault.warning("fault injected: \(message)")
        for index in 0..<threads {
            Thread.detachNewThread { [self] in
                var x = 0x9E37_79B9_7F4A_7C15 &+ UInt64(index)
                while monotonic() < until && faultState.withLock({ $0.burnGeneration == generation }) {
                    for _ in 0..<100_000 { x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407 }
                }
                let last = faultState.withLock { faults in
                    faults.burnSink ^= x  // the loop's result is used, so it is not optimized away
                    faults.burningThreads -= 1
                    return faults.burningThreads == 0
                }
                if last { log.fault.info("CPU burn over") }
            }
        }
        return message
    }

    /// Damages the data file, then checks it, which puts the service into its failure mode.
    func corruptData(_ how: Fault.CorruptHow) throws(FaultError) -> String {
        guard let store else { throw FaultError(409, "no data file: this instance runs without --data") }
        guard let what = store.corrupt(how) else {
            throw FaultError(500, "cannot write \(store.path): \(String(cString: strerror(errno)))")
        }
        log.fault.warning("fault injected: corrupt \(store.path): \(what)")
        if case .corrupt(let line, let reason) = store.verify() { reportCorruption(line: line, reason: reason) }
        return "corrupted \(store.path): \(what)"
    }

    /// Ends a reversible fault, or all of them; frees the leaked memory and descriptors, reaps the zombies.
    func stopFaults(_ which: Fault.Reversible?) -> String {
        func ends(_ fault: Fault.Reversible) -> Bool { which == nil || which == fault }
        let (freed, closed) = faultState.withLock { faults in
            var freed = 0
            if ends(.leak) {
                faults.leakGeneration += 1
                faults.leaking = false
                faults.leakedBlocks.forEach { free($0.pointer) }
                faults.leakedBlocks = []
                (freed, faults.leakedMiB) = (faults.leakedMiB, 0)
            }
            if ends(.burn) { faults.burnGeneration += 1 }
            if ends(.silence) { faults.silenceUntil = nil }
            if ends(.slow) { faults.slowUntil = nil }
            var closed = 0
            if ends(.fdleak) {
                faults.fdleakGeneration += 1
                faults.leakedDescriptors.forEach { close($0) }
                (closed, faults.leakedDescriptors) = (faults.leakedDescriptors.count, [])
            }
            if ends(.flood) { faults.floodGeneration += 1 }
            if ends(.zombies) { faults.zombieGeneration += 1 }
            return (freed, closed)
        }
        let reaped = ends(.zombies) ? reapChildren(blocking: true) : 0
        var message = "stopped \(which?.rawValue ?? Fault.Reversible.allCases.map(\.rawValue).joined(separator: ", "))"
        if freed > 0 { message += "; freed \(freed) MiB" }
        if closed > 0 { message += "; closed \(closed) descriptors" }
        if reaped > 0 { message += "; reaped \(reaped) children" }
        log.fault.info("\(message)")
        return message
    }

    /// The active faults, for the JSON answers.
    func activeFaults() -> [String: Any] {
        faultState.withLock { faults in
            [
                "leaking": faults.leaking, "leaked_mib": faults.leakedMiB, "burn_threads": faults.burningThreads,
                "heartbeat_silenced": faults.silenceUntil.map { monotonic() < $0 } ?? false,
                "required_parameters": faults.requiredParameters.map(\.name),
                "slow_ms": faults.slowUntil.map { monotonic() < $0 ? faults.slowMilliseconds : 0 } ?? 0,
                "leaked_descriptors": faults.leakedDescriptors.count, "flooding": faults.flooding,
                "unreaped_children": faults.unreapedChildren.count, "cache_full": faults.cacheFull,
                "clock_offset_seconds": Double(WallClock.offsetMicroseconds.load(ordering: .relaxed)) / 1e6,
            ]
        }
    }
}
