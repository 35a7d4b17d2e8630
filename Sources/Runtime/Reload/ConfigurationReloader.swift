import Foundation
import GraceDSL
import Interpreter
import Logging

/// Hot reload: compiles the configuration again and, if it compiles, publishes the new graph (the healer swaps
/// its triggers and playbooks on it) and applies the difference to the supervisor (start added kernels, restart
/// changed ones, stop removed ones). If it does not compile, the running graph stays and the diagnostics are
/// journaled (`config.invalid`, which `config: invalid` triggers watch).
public actor ConfigurationReloader {
    /// What a reload did; each case has also been journaled.
    public enum Result: Sendable {
        /// A new graph runs: what changed, and how long reading, compiling and applying took in ms.
        case applied(diff: GraphDiff, milliseconds: Double)
        /// The configuration compiled to the graph already running; nothing was done.
        case unchanged
        /// The configuration does not compile (every diagnostic, errors and warnings) or cannot be read (none); the
        /// running graph stays.
        case refused(diagnostics: [Diagnostic])

        /// One line for a playbook step, a log or a control-socket answer.
        public var summary: String {
            switch self {
            case .applied(let diff, let ms):
                "reloaded in \(String(format: "%.1f", ms)) ms: \(diff.added.count) added, "
                    + "\(diff.changed.count) changed, \(diff.removed.count) removed"
            case .unchanged:
                "configuration unchanged"
            case .refused(let diagnostics):
                "reload refused: \(diagnostics.filter { $0.severity == .error }.count) errors"
            }
        }
    }

    /// Reads the configuration's files and the options to compile them with.
    public typealias Loader = @Sendable () throws -> (files: [SourceFile], options: CompilerOptions)

    private let load: Loader
    private let supervisor: Supervisor
    private let environment: RuntimeEnvironment
    private var reloading = false
    private var pending = false
    private var waiters: [CheckedContinuation<Result, Never>] = []

    /// A reloader that reads the configuration with `load` and applies it to `supervisor`.
    public init(supervisor: Supervisor, environment: RuntimeEnvironment, load: @escaping Loader) {
        self.supervisor = supervisor
        self.environment = environment
        self.load = load
    }

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
        let clock = environment.clock
        let start = clock.elapsedTime
        let journal = environment.journal
        let loaded: (files: [SourceFile], options: CompilerOptions)
        do {
            loaded = try load()
        } catch {
            journal.append(.configUnreadable(reason: reason, error: String(describing: error)))
            return .refused(diagnostics: [])
        }
        let compiled = Compiler(options: loaded.options).compile(loaded.files)
        guard let graph = compiled.graph else {
            let errors = compiled.diagnostics.filter { $0.severity == .error }
            let first = errors.first
            journal.append(
                .configInvalid(
                    reason: reason, errorCount: errors.count,
                    errors: errors.prefix(5).map {
                        "\($0.span.file):\($0.span.start.line):\($0.span.start.column): \($0.code.rawValue) \($0.message)"
                    }, file: first?.span.file ?? "", code: first?.code.rawValue ?? ""))
            environment.logger.error("reload refused: \(errors.count) errors; the running configuration stays")
            return .refused(diagnostics: compiled.diagnostics)
        }
        let current = await supervisor.graph
        guard graph.contentHash != current.contentHash else {
            journal.append(.configUnchanged(reason: reason, graph: String(graph.contentHash.prefix(16))))
            return .unchanged
        }
        environment.hub.publish(.configuration(graph))
        let diff = await supervisor.apply(graph)
        let elapsed = clock.elapsedTime - start
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        journal.append(
            .configReloaded(
                reason: reason, graph: String(graph.contentHash.prefix(16)), added: diff.added.map(\.description),
                changed: diff.changed.map(\.description), removed: diff.removed.map(\.description), milliseconds: ms))
        return .applied(diff: diff, milliseconds: ms)
    }
}
