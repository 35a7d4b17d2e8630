import Foundation
import GraceDSL
import Interpreter

/// Answers the control socket's requests (`grace reload`, `grace playbook run`, `status`) from the running Grace.
public struct ControlHandler: Sendable {
    let supervisor: Supervisor
    let healer: Healer
    let reloader: ConfigurationReloader
    let reexecutor: Reexecutor?

    /// A handler over the running Grace's parts; `buildServiceGroup` makes the one the control socket uses.
    /// Without `reexecutor`, `reexec` is answered "unavailable".
    public init(
        supervisor: Supervisor, healer: Healer, reloader: ConfigurationReloader, reexecutor: Reexecutor? = nil
    ) {
        self.supervisor = supervisor
        self.healer = healer
        self.reloader = reloader
        self.reexecutor = reexecutor
    }

    /// Answers one request; never throws, every failure is an answer with `ok` false. A `run` returns when the run
    /// (and any escalation) has ended, so the caller waits as long as the playbook takes.
    public func handle(_ request: ControlRequest) async -> ControlResponse {
        switch request.command {
        case .reload:
            return Self.response(to: await reloader.reload(reason: "grace reload"))
        case .run:
            guard let playbook = request.playbook else {
                return ControlResponse(ok: false, message: "`run` needs a playbook")
            }
            let outcome = await healer.run(playbook, arguments: request.arguments ?? [:])
            var details = ["run \(outcome.run)"]
            if let error = outcome.error { details.append(error) }
            for e in outcome.escalation {
                details.append("escalated to \(e.playbook): \(e.succeeded ? "succeeded" : (e.error ?? "failed"))")
            }
            return ControlResponse(
                ok: outcome.succeeded, message: "playbook \(playbook) \(outcome.succeeded ? "succeeded" : "failed")",
                details: details)
        case .status:
            let lines = await supervisor.status().map { k in
                "\(k.name) \(k.phase.rawValue) pid=\(k.pid.map(String.init) ?? "-") restarts=\(k.restarts) "
                    + "healthy=\(k.healthy.map { $0 ? "yes" : "no" } ?? "?")"
            }
            return ControlResponse(ok: true, message: "\(lines.count) kernels", details: lines)
        case .ping:
            return ControlResponse(
                ok: true, message: "pong", details: ["pid=\(getpid())", "generation=\(reexecutor?.generation ?? 0)"])
        case .reexec:
            guard let reexecutor else {
                return ControlResponse(ok: false, message: "reexec is not available in this Grace")
            }
            do {
                let generation = try await reexecutor.request(reason: "grace reexec", executable: request.executable)
                return ControlResponse(
                    ok: true, message: "re-executing in place as generation \(generation); the kernels keep running",
                    details: ["pid=\(getpid())", "generation=\(generation)"])
            } catch {
                return ControlResponse(ok: false, message: error.description)
            }
        }
    }

    static func response(to result: ConfigurationReloader.Result) -> ControlResponse {
        switch result {
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
                    "\($0.span.file):\($0.span.start.line):\($0.span.start.column): error[\($0.code.rawValue)]: "
                        + $0.message
                })
        }
    }
}
