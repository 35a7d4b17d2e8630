import Foundation
import GraceDSL
import Interpreter
import Logging

/// Hot reload: compiles the configuration again and, if it compiles, applies the difference to the
/// supervisor (start added kernels, restart changed ones, stop removed ones) and swaps the healer's triggers
/// and playbooks. If it does not compile, the running graph stays, the diagnostics are journaled and the
/// `config: invalid` trigger fires.
public actor ConfigurationReloader {
    public enum Result: Sendable {
        case applied(diff: GraphDiff, milliseconds: Double)
        case unchanged
        case refused(diagnostics: [Diagnostic])
    }

    private let load: @Sendable () throws -> (files: [SourceFile], options: CompilerOptions)
    private let supervisor: Supervisor
    private let healer: Healer
    private let logger: Logger
    private var reloading = false
    private var pending = false

    public init(
        supervisor: Supervisor, healer: Healer, logger: Logger,
        load: @escaping @Sendable () throws -> (files: [SourceFile], options: CompilerOptions)
    ) {
        self.supervisor = supervisor
        self.healer = healer
        self.logger = logger
        self.load = load
    }

    private var waiters: [CheckedContinuation<Result, Never>] = []

    /// Reloads now. A request that arrives while a reload runs waits for one more reload, which sees every
    /// change made so far, and gets its result (an editor saving several files collapses into two reloads).
    @discardableResult
    public func reload(reason: String) async -> Result {
        if reloading {
            pending = true
            return await withCheckedContinuation { waiters.append($0) }
        }
        reloading = true
        let result = await reloadOnce(reason: reason)
        while pending {
            pending = false
            let batch = waiters
            waiters = []
            let again = await reloadOnce(reason: "\(reason) (more requests arrived)")
            batch.forEach { $0.resume(returning: again) }
        }
        reloading = false
        return result
    }

    private func reloadOnce(reason: String) async -> Result {
        let start = ContinuousClock.now
        let loaded: (files: [SourceFile], options: CompilerOptions)
        do {
            loaded = try load()
        } catch {
            await supervisor.record("config.invalid", fields: ["reason": reason, "error": String(describing: error)])
            await healer.inject(.configInvalid(path: "", code: "io"))
            return .refused(diagnostics: [])
        }
        let compiled = Compiler(options: loaded.options).compile(loaded.files)
        guard let graph = compiled.graph else {
            let errors = compiled.diagnostics.filter { $0.severity == .error }
            var fields = ["reason": reason, "errors": String(errors.count)]
            for (i, d) in errors.prefix(5).enumerated() {
                fields["error.\(i)"] = "\(d.span.file):\(d.span.start.line):\(d.span.start.column): \(d.code.rawValue) \(d.message)"
            }
            await supervisor.record("config.invalid", fields: fields)
            logger.error("reload refused: \(errors.count) errors; the running configuration stays")
            let first = errors.first
            await healer.inject(.configInvalid(path: first?.span.file ?? "", code: first?.code.rawValue ?? ""))
            return .refused(diagnostics: compiled.diagnostics)
        }
        let current = await supervisor.graph
        guard graph.contentHash != current.contentHash else {
            await supervisor.record("config.unchanged", fields: ["reason": reason, "graph": String(graph.contentHash.prefix(16))])
            return .unchanged
        }
        await healer.reload(graph)
        let diff = await supervisor.apply(graph)
        let ms = Double((ContinuousClock.now - start).components.attoseconds) / 1e15
            + Double((ContinuousClock.now - start).components.seconds) * 1000
        await supervisor.record(
            "config.reloaded",
            fields: [
                "reason": reason, "graph": String(graph.contentHash.prefix(16)),
                "added": diff.added.map(\.description).joined(separator: ","),
                "changed": diff.changed.map(\.description).joined(separator: ","),
                "removed": diff.removed.map(\.description).joined(separator: ","),
                "ms": String(format: "%.1f", ms),
            ])
        return .applied(diff: diff, milliseconds: ms)
    }
}
