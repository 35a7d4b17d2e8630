import Foundation
import Glibc

extension Service {
    /// What each endpoint answers: /healthz, / (status), /call (an API call), /log-level, /fault (the catalogue)
    /// and POST /fault/NAME.
    func route(
        method: String, path: String, query: Substring, body: ArraySlice<UInt8>, contentType: String, from: String
    ) -> HTTPResponse {
        let readOnly = method == "GET" || method == "HEAD"
        switch path {
        case "/healthz", "/", "/fault", "/fault/":
            guard readOnly else { return HTTPResponse(status: 405, body: "method not allowed\n", allow: "GET, HEAD") }
            if path == "/healthz" {
                let reason = failureReason ?? cacheFailure
                return HTTPResponse(
                    status: reason == nil ? 200 : 503, body: reason.map { "failing: \($0)\n" } ?? "ok\n")
            }
            return HTTPResponse(
                status: 200, body: path == "/" ? statusJSON() : faultsJSON(), contentType: "application/json")
        case "/log-level":
            return logLevel(method: method, query: query, from: from)
        case "/call":
            guard readOnly else { return HTTPResponse(status: 405, body: "method not allowed\n", allow: "GET, HEAD") }
            return call()
        case _ where path.hasPrefix("/fault/"):
            let name = String(path.dropFirst("/fault/".count))
            guard Fault.catalogue.contains(where: { $0.name == name }) else {
                return HTTPResponse(status: 404, body: "no fault '\(name)'; GET /fault lists them\n")
            }
            guard method == "POST" else {
                return HTTPResponse(status: 405, body: "method not allowed\n", allow: "POST")
            }
            do throws(FaultError) {
                guard var parameters = decodeForm(query) else { throw FaultError("bad percent-encoding in the query") }
                if !body.isEmpty {
                    guard contentType.isEmpty || contentType.hasPrefix("application/x-www-form-urlencoded") else {
                        throw FaultError(415, "send parameters in the query or as application/x-www-form-urlencoded")
                    }
                    guard let form = decodeForm(String(decoding: body, as: UTF8.self)) else {
                        throw FaultError("bad percent-encoding in the body")
                    }
                    parameters.merge(form) { _, body in body }
                }
                let (fault, after) = try Fault.parse(name, parameters)
                let (message, then) = try inject(fault, after: after, origin: "POST from \(from)")
                let done = if case .stop = fault, after == 0 { true } else { false }
                return HTTPResponse(status: done ? 200 : 202, body: message + "\n", then: then)
            } catch {
                return HTTPResponse(status: error.status, body: error.message + "\n")
            }
        default:
            return HTTPResponse(status: 404, body: "not found\n")
        }
    }

    /// GET /fault: the faults, their parameters and what is active.
    func faultsJSON() -> String {
        let faults: [[String: Any]] = Fault.catalogue.map {
            [
                "name": $0.name, "request": "POST /fault/\($0.name)",
                "parameters": $0.parameters + ", after=DURATION (0)",
                "signal": $0.signal ?? NSNull(), "does": $0.summary,
            ]
        }
        let object: [String: Any] = [
            "faults": faults, "active": activeFaults(),
            "at_start": "--fault 'NAME?PARAMS' (repeatable), --crash-after SECONDS",
        ]
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// GET /: the service's status.
    func statusJSON() -> String {
        let served = state.withLock { $0.requests }
        let reason = failureReason ?? cacheFailure
        let status: [String: Any] = [
            "name": options.name, "status": reason == nil ? "ok" : "failing", "reason": reason ?? NSNull(),
            "pid": Int(getpid()), "port": Int(options.port), "uptime_seconds": (uptime * 10).rounded() / 10,
            "requests": served, "records": store?.records ?? 0, "data": store?.path ?? NSNull(),
            "faults": activeFaults(), "log_level": DemoLogHandler.word(for: DemoLogHandler.minimum),
        ]
        let data =
            (try? JSONSerialization.data(withJSONObject: status, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
