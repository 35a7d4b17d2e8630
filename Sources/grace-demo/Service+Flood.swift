import Foundation
import Glibc
import Logging

// The `flood` fault (chatter at a high rate) and the log level that quiets it (`POST /log-level`).

extension Service {
    /// `POST /fault/flood`: a thread logs `rate` lines a second at `level`, for `seconds` or until /fault/stop.
    func startFlood(rate: Int, seconds: Double?, level: String) -> String {
        let generation = faultState.withLock { faults in
            faults.floodGeneration += 1
            faults.flooding = true
            return faults.floodGeneration
        }
        let severity: Logger.Level = level == "WARN" ? .warning : .info
        let message =
            "logging \(rate) \(level) lines a second \(seconds.map { "for \(describe($0))" } ?? "until /fault/stop")"
        log.fault.warning("fault injected: \(message)")
        Thread.detachNewThread { [self] in
            let until = seconds.map { monotonic() + $0 } ?? .infinity
            let start = monotonic()
            var written = 0
            while monotonic() < until && faultState.withLock({ $0.floodGeneration == generation }) {
                hangGate.checkpoint()
                // Catch up with the rate in batches, so that the rate holds whatever the sleeps' granularity.
                let due = Int((monotonic() - start) * Double(rate))
                while written < due {
                    written += 1
                    log.cache.log(
                        level: severity, "cache lookup key=k\(written) shard=\(written % 16) hit=false (chatter)")
                }
                usleep(10_000)
            }
            faultState.withLock { faults in if faults.floodGeneration == generation { faults.flooding = false } }
            log.fault.info("flood over after \(written) lines")
        }
        return message
    }

    /// `GET /log-level` and `POST /log-level?level=L`: the lowest level written (TRACE, DEBUG, INFO, NOTICE, WARN,
    /// ERROR, FATAL); INFO again at the next start.
    func logLevel(method: String, query: Substring, from: String) -> HTTPResponse {
        if method == "GET" || method == "HEAD" {
            return HTTPResponse(status: 200, body: DemoLogHandler.word(for: DemoLogHandler.minimum) + "\n")
        }
        guard method == "POST" else {
            return HTTPResponse(status: 405, body: "method not allowed\n", allow: "GET, POST")
        }
        let word = (decodeForm(query)?["level"] ?? "").uppercased()
        guard let level = Logger.Level.allCases.first(where: { DemoLogHandler.word(for: $0) == word }) else {
            return HTTPResponse(status: 400, body: "level must be TRACE, DEBUG, INFO, NOTICE, WARN, ERROR or FATAL\n")
        }
        let before = DemoLogHandler.word(for: DemoLogHandler.minimum)
        log.main.warning("log level \(before) -> \(word) (POST from \(from))")
        DemoLogHandler.setMinimum(level)
        return HTTPResponse(status: 200, body: "log level \(word)\n")
    }
}
