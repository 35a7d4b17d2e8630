import Interpreter

/// A playbook run a crashed Grace left unfinished, as the journal shows it, and what the next Grace does with it:
/// retry it from its first step (as `ID-retry`) or, once it has been retried twice, abandon it.
///
/// A run is unfinished when it has a `run.started` (and no parent run) but no `run.succeeded` or `run.failed`. It
/// is dealt with for good once its retry has started (`ID-retry` has a `run.started`; that retry is a run of its
/// own, which a later crash may leave unfinished in turn) or it was abandoned (`run.abandoned`). So however many
/// times Grace crashes, each unfinished run is retried once and no run id starts twice.
public struct InterruptedRun: Sendable, Equatable {
    /// What the next Grace does with the run.
    public enum Action: Sendable, Equatable {
        /// Run the playbook again from its first step, as `ID-retry`.
        case retry
        /// Journal `run.abandoned`: it was retried twice already.
        case abandon
    }

    /// The unfinished run's id.
    public let run: String
    /// The playbook it ran.
    public let playbook: String
    /// The trigger that started it; nil for a run by hand.
    public let trigger: String?
    /// Its arguments, which a retry gets again.
    public let arguments: [String: String]
    /// Retry or abandon.
    public let action: Action

    /// The id a retry of `run` gets.
    public static func retryID(of run: String) -> String { "\(run)-retry" }

    /// The journal kinds `find(in:)` needs to see.
    public static let kinds: [JournalKind] = [.runStarted, .runSucceeded, .runFailed, .runAbandoned, .runSuperseded]

    /// The runs still to deal with, oldest first, from journal entries in id order (entries of other kinds are
    /// ignored).
    public static func find(in entries: [JournalEntry]) -> [InterruptedRun] {
        var open: [String: (playbook: String, trigger: String?, arguments: [String: String], id: Int64)] = [:]
        var started: Set<String> = []
        var closed: Set<String> = []
        for entry in entries {
            switch entry.event {
            case .runStarted(let run, let playbook, let trigger, let arguments, let parent) where parent == nil:
                started.insert(run)
                open[run] = (playbook, trigger, arguments, entry.id)
            case .runSucceeded(let run, _), .runFailed(let run, _, _), .runAbandoned(let run, _),
                .runSuperseded(let run, _, _, _):
                // A superseded run is over too: the run that took its kernels over is the one to retry, if any.
                closed.insert(run)
            default:
                break
            }
        }
        return
            open
            .filter { !closed.contains($0.key) && !started.contains(retryID(of: $0.key)) }
            .sorted { $0.value.id < $1.value.id }
            .map { run, started in
                InterruptedRun(
                    run: run, playbook: started.playbook, trigger: started.trigger, arguments: started.arguments,
                    action: run.components(separatedBy: "-retry").count > 2 ? .abandon : .retry)
            }
    }
}
