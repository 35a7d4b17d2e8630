/// Where the executor records runs and steps, before it acts on them (the runtime writes the SQLite journal).
public protocol RunJournal: Sendable {
    func record(_ record: RunRecord) async
}

/// One entry of a playbook run's history.
public enum RunRecord: Sendable, Hashable {
    case runStarted(run: String, playbook: String, trigger: String?, arguments: [String: String], parent: String?)
    case stepStarted(run: String, index: Int, name: String, action: String, attempt: Int)
    case stepSucceeded(run: String, index: Int, name: String, detail: String)
    case stepFailed(run: String, index: Int, name: String, error: String, willRetry: Bool)
    case stepSkipped(run: String, index: Int, name: String, reason: String)
    case undoStarted(run: String, index: Int, name: String, action: String)
    case undoFinished(run: String, index: Int, name: String, error: String?)
    case runSucceeded(run: String, playbook: String)
    case runFailed(run: String, playbook: String, error: String)
    case escalated(run: String, from: String, to: String)

    public var run: String {
        switch self {
        case .runStarted(let r, _, _, _, _), .stepStarted(let r, _, _, _, _), .stepSucceeded(let r, _, _, _),
            .stepFailed(let r, _, _, _, _), .stepSkipped(let r, _, _, _), .undoStarted(let r, _, _, _),
            .undoFinished(let r, _, _, _), .runSucceeded(let r, _), .runFailed(let r, _, _), .escalated(let r, _, _):
            r
        }
    }

    /// Journal kind and fields, for stores that keep flat records.
    public var journalEntry: (kind: String, fields: [String: String]) {
        switch self {
        case .runStarted(let run, let playbook, let trigger, let arguments, let parent):
            var f = ["run": run, "playbook": playbook]
            if let trigger { f["trigger"] = trigger }
            if let parent { f["parent"] = parent }
            for (k, v) in arguments { f["arg." + k] = v }
            return ("run.started", f)
        case .stepStarted(let run, let index, let name, let action, let attempt):
            return ("step.started", ["run": run, "step": String(index), "name": name, "action": action, "attempt": String(attempt)])
        case .stepSucceeded(let run, let index, let name, let detail):
            return ("step.succeeded", ["run": run, "step": String(index), "name": name, "detail": detail])
        case .stepFailed(let run, let index, let name, let error, let willRetry):
            return ("step.failed", ["run": run, "step": String(index), "name": name, "error": error, "retry": String(willRetry)])
        case .stepSkipped(let run, let index, let name, let reason):
            return ("step.skipped", ["run": run, "step": String(index), "name": name, "reason": reason])
        case .undoStarted(let run, let index, let name, let action):
            return ("undo.started", ["run": run, "step": String(index), "name": name, "action": action])
        case .undoFinished(let run, let index, let name, let error):
            var f = ["run": run, "step": String(index), "name": name]
            if let error { f["error"] = error }
            return ("undo.finished", f)
        case .runSucceeded(let run, let playbook):
            return ("run.succeeded", ["run": run, "playbook": playbook])
        case .runFailed(let run, let playbook, let error):
            return ("run.failed", ["run": run, "playbook": playbook, "error": error])
        case .escalated(let run, let from, let to):
            return ("run.escalated", ["run": run, "from": from, "to": to])
        }
    }
}
