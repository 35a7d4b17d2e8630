import Foundation

extension Service {
    /// Where required parameters are kept across restarts: `<data>/required-parameters`, one `NAME=EXAMPLE` a line.
    private var requirementsPath: String? {
        options.dataDir.map { ($0 as NSString).appendingPathComponent("required-parameters") }
    }

    /// The parameters an earlier `POST /fault/require` made this service require.
    func loadRequiredParameters() -> [(name: String, example: String)] {
        guard let path = requirementsPath, let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            return []
        }
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            return parts.count == 2 ? (parts[0], parts[1]) : nil
        }
    }

    /// `POST /fault/require`: from now on (and after restarts) `GET /call` needs `parameter` in the environment.
    func require(_ parameter: String, example: String, origin: String) -> String {
        let all = faultState.withLock { faults in
            if !faults.requiredParameters.contains(where: { $0.name == parameter }) {
                faults.requiredParameters.append((parameter, example))
            }
            return faults.requiredParameters
        }
        if let path = requirementsPath {
            let text = all.map { "\($0.name)=\($0.example)\n" }.joined()
            try? Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        }
        log.fault.warning("fault injected: GET /call now requires \(parameter) in the environment (\(origin))")
        return "GET /call requires \(parameter) in the environment from now on"
    }

    /// `GET /call`: 200, or 503 with an ERROR line when a required parameter is missing from the environment.
    func call() -> HTTPResponse {
        let required = faultState.withLock { $0.requiredParameters }
        let environment = ProcessInfo.processInfo.environment
        if let missing = required.first(where: { (environment[$0.name] ?? "").isEmpty }) {
            let message =
                "request rejected: missing required configuration parameter \(missing.name) "
                + "(set it in the environment, e.g. \(missing.name)=\(missing.example))"
            log.http.error("\(message)")
            return HTTPResponse(status: 503, body: message + "\n")
        }
        return HTTPResponse(status: 200, body: "ok\n")
    }
}
