// grace-demo — a small, real service for Grace to supervise (the kernels of the default configuration).
//
//   grace-demo --name NAME --port N [--data DIR] [--fail-after SECONDS] [--crash-after SECONDS] [--fault SPEC]...
//
// * serves HTTP/1.1 on 127.0.0.1:PORT: `GET /healthz` (200 "ok", 503 in a failure mode) and `GET /` (JSON status);
// * keeps DIR/data.db, a plain-text file of checksummed records: seeded at first start, appended every 5 s and
//   verified before every append (a corrupt file puts the service into a failure mode and is never written to);
// * logs `<Date> <Time> <Level> <Component>: <Content>` lines to stdout, with the odd WARN;
// * speaks sd_notify when NOTIFY_SOCKET is set: READY=1 once listening, WATCHDOG=1 every WATCHDOG_USEC/2
//   (2 s without it) and STOPPING=1 on SIGTERM/SIGINT, after which it exits 0;
// * SIGUSR1 logs a one-line state dump; `--fail-after` enters a failure mode after that many seconds.
//
// Fault injection, for tests and chaos drills. `GET /fault` lists the faults (JSON) and what is active.
// Parameters go in the query string or a form body (`curl -d`); an unknown or bad one is a 400 and nothing happens.
//
//   POST /fault/crash?how=abort|exit|segv&code=N   FATAL line, then abort(), exit(N) (1) or a segmentation fault
//   POST /fault/hang?seconds=S                      the threads that serve, heartbeat, append and handle SIGTERM
//                                                   block (forever without `seconds`); the process stays alive
//   POST /fault/leak?mb=N&every=100ms&max=M         allocate and touch N MiB (8) every interval up to M MiB (1024)
//   POST /fault/burn?threads=N&seconds=S            N busy-looping threads (1) for S seconds (60)
//   POST /fault/corrupt?how=flip|torn|garbage       damage DIR/data.db: the check fails, ERROR line, 503 on /healthz
//   POST /fault/emit?line=TEXT&count=N&level=L&component=C   log TEXT N times (1) as an ERROR (or L) line
//   POST /fault/silence?seconds=S                   stop WATCHDOG=1 (for S seconds, or until stopped), keep serving
//   POST /fault/stop?name=leak|burn|silence         end the reversible faults (all by default; frees leaked memory)
//
// Every fault also takes `after=DURATION` (inject it later). At start, `--fault 'NAME?PARAMS'` (repeatable) injects
// one once the service listens, e.g. `--fault 'leak?mb=4&every=1s' --fault 'crash?how=segv&after=30s'`, and
// `--crash-after SECONDS` is `--fault crash?after=SECONDS`. SIGUSR2 crashes (abort), even while hung.
// Durations are `250ms`, `2s`, `1.5m`, `500us`, `1h` or plain seconds.

import Foundation
import Glibc

let service = Service(options: Options.parse(CommandLine.arguments.dropFirst()))
signal(SIGPIPE, SIG_IGN)
let signalQueue = DispatchQueue(label: "grace-demo.signals")
let signalSources = [SIGTERM, SIGINT, SIGUSR1].map { number -> DispatchSourceSignal in
    signal(number, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: number, queue: signalQueue)
    source.setEventHandler {
        switch number {
        case SIGUSR1: service.dumpState()
        case SIGTERM: service.shutdown(signal: "SIGTERM")
        default: service.shutdown(signal: "SIGINT")
        }
    }
    source.resume()
    return source
}
// SIGUSR2 crashes, on its own queue so that it works even while a hang blocks the others.
signal(SIGUSR2, SIG_IGN)
let crashSource = DispatchSource.makeSignalSource(signal: SIGUSR2, queue: DispatchQueue(label: "grace-demo.crash"))
crashSource.setEventHandler { service.crash(.abort, code: 1, cause: "SIGUSR2") }
crashSource.resume()
service.run()
