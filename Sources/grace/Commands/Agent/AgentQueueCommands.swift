import ArgumentParser
import Foundation
import GraceAPI
import GraceAPIModels
import Runtime

/// Indented JSON of an API body, as the CLI prints it.
private func printable(_ value: some Encodable) throws -> String {
    let encoder = APIJSON.encoder()
    encoder.outputFormatting.insert(.prettyPrinted)
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// The queue of the state directory, opened for a command.
private func openQueue(_ state: StateDirectoryOption, create: Bool = false) throws -> AgentTaskStore {
    let directory = try state.resolve()
    let path = directory.appendingPathComponent("agent.sqlite").path
    guard create || FileManager.default.fileExists(atPath: path) else {
        throw CLIError.io("no agent queue at \(path): Grace has not run with this state directory yet")
    }
    do {
        return try AgentTaskStore(path: path)
    } catch {
        throw CLIError.io(error.description)
    }
}

private func task(_ id: Int64, in store: AgentTaskStore) throws -> AgentTask {
    guard let task = try? store.task(id) else { throw CLIError.usage("no agent task \(id)") }
    return task
}

/// `grace agent tasks`: the queue, newest first.
struct AgentTasksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks", abstract: "List the agent's tasks, newest first.",
        discussion: """
            Examples:
              grace agent tasks
              grace agent tasks --state needs_review --json
            """)

    @OptionGroup var state: StateDirectoryOption
    @Option(
        help:
            "Only tasks in this state (queued, planning, verifying, committed, watching, done, reverted, failed, needs_review)."
    )
    var stateFilter: String?
    @Option(help: "At most this many tasks.") var limit = 50
    @Flag(help: "Print JSON (the body of GET /v1/agent/tasks).") var json = false

    func run() throws {
        let store = try openQueue(state)
        var states: Set<AgentTaskState>?
        if let stateFilter {
            guard let s = AgentTaskState(rawValue: stateFilter) else {
                throw CLIError.usage("no task state `\(stateFilter)`")
            }
            states = [s]
        }
        let tasks: [AgentTask]
        do { tasks = try store.tasks(limit: limit, states: states) } catch { throw CLIError.io(error.description) }
        if json {
            print(try printable(AgentTasksResponse(tasks: tasks.map(AgentTaskView.init))))
            return
        }
        guard !tasks.isEmpty else {
            print("no tasks")
            return
        }
        let rows = tasks.map { t in
            [
                String(t.id), t.type, t.state.rawValue, t.inputs.kernel ?? "-",
                t.commit.map { String($0.prefix(10)) } ?? "-", String(t.detail.prefix(80)),
            ]
        }
        print(Table.render(header: ["ID", "TYPE", "STATE", "KERNEL", "COMMIT", "DETAIL"], rows: rows))
    }
}

/// `grace agent show ID`: one task with its history.
struct AgentShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show one task: its inputs, state, commit and every state change.")

    @OptionGroup var state: StateDirectoryOption
    @Argument(help: "The task's id.") var id: Int64
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let store = try openQueue(state)
        let t = try task(id, in: store)
        let history = (try? store.history(of: id)) ?? []
        if json {
            var view = AgentTaskView(t)
            view.history = history.map(AgentTaskEventView.init)
            print(try printable(view))
            return
        }
        print("task \(t.id): \(t.type), \(t.state.rawValue) (attempts \(t.attempts))")
        let inputs: [(String, String?)] = [
            ("asked by", t.inputs.source), ("goal", t.inputs.goal), ("kernel", t.inputs.kernel),
            ("signature", t.inputs.signature), ("diagnostic", t.inputs.diagnostic), ("path", t.inputs.path),
            ("line", t.inputs.line), ("refactor", t.inputs.refactor), ("run", t.inputs.run), ("commit", t.commit),
            ("branch", t.branch), ("change", t.summary),
        ]
        for (label, value) in inputs { if let value { print("  \(label): \(value)") } }
        print("history:")
        for event in history {
            print("  \(ISO8601DateFormatter().string(from: event.time))  \(event.state.rawValue)  \(event.detail)")
        }
    }
}

/// `grace agent approve ID`: applies a change waiting for review.
struct AgentApproveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve a change waiting for review: apply its commit to HEAD; the agent reloads and watches it.")

    @OptionGroup var state: StateDirectoryOption
    @Argument(help: "The task's id.") var id: Int64

    func run() async throws {
        let directory = try state.resolve()
        let store = try openQueue(state)
        let t = try task(id, in: store)
        guard t.state == .needsReview, let branch = t.branch else {
            throw CLIError.refused("task \(id) is \(t.state.rawValue), not waiting for review")
        }
        let git = try await AgentLocalGit.open(stateDirectory: directory)
        let commit: String
        do {
            commit = try await git.work.cherryPick(branch, as: .agent)
        } catch {
            throw CLIError.refused("could not apply \(branch): \(error)")
        }
        do {
            try store.transition(
                id, from: [.needsReview], to: .committed,
                detail: "approved by a person; applied as \(commit.prefix(12))", commit: commit)
        } catch {
            throw CLIError.io(error.description)
        }
        print("task \(id): applied \(branch) as \(commit.prefix(12)); the agent reloads Grace and watches it")
    }
}

/// `grace agent revert ID`: reverts a task's commit and reloads.
struct AgentRevertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revert", abstract: "Revert the commit an agent task made, and reload Grace.")

    @OptionGroup var state: StateDirectoryOption
    @Argument(help: "The task's id.") var id: Int64

    func run() async throws {
        let directory = try state.resolve()
        let store = try openQueue(state)
        let t = try task(id, in: store)
        guard let commit = t.commit, t.state == .done || t.state == .watching else {
            throw CLIError.refused("task \(id) is \(t.state.rawValue) and has no live commit to revert")
        }
        let git = try await AgentLocalGit.open(stateDirectory: directory)
        let revert: String
        do {
            revert = try await git.work.revert(
                commit, trailers: ["Grace-Task: \(id)", "Grace-Revert-Reason: by hand"], as: .agent)
        } catch {
            throw CLIError.refused("could not revert \(commit.prefix(12)): \(error)")
        }
        let reload =
            (try? ControlClient.send(
                ControlRequest(command: .reload), socket: directory.appendingPathComponent("control.sock").path))
        do {
            try store.transition(
                id, from: [.done, .watching], to: .reverted,
                detail:
                    "reverted by \(revert.prefix(12)): asked by a person (reload: \(reload?.message ?? "Grace is not running"))"
            )
        } catch {
            throw CLIError.io(error.description)
        }
        print(
            "task \(id): reverted \(commit.prefix(12)) with \(revert.prefix(12)); \(reload?.message ?? "Grace is not running; nothing reloaded")"
        )
    }
}

/// Pauses or resumes the agent of the state directory, and says so.
private func setPaused(_ paused: Bool, in state: StateDirectoryOption) throws {
    let store = try openQueue(state)
    do { try store.setPaused(paused) } catch { throw CLIError.io(error.description) }
    print(paused ? "agent paused" : "agent resumed")
}

/// `grace agent pause`.
struct AgentPauseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Pause the agent: it starts no task until resumed (tasks keep queueing).")
    @OptionGroup var state: StateDirectoryOption

    func run() throws {
        try setPaused(true, in: state)
    }
}

/// `grace agent resume`.
struct AgentResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Resume a paused agent.")
    @OptionGroup var state: StateDirectoryOption

    func run() throws {
        try setPaused(false, in: state)
    }
}

/// `grace agent ask TYPE`: a person queues a task.
struct AgentAskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ask",
        abstract:
            "Queue a task for the agent (fix_invalid, repair_playbook, diagnose, learn_signature, refactor, ...).",
        discussion: """
            The agent of the running Grace takes it up within a moment; `grace agent show ID` follows it.

            Examples:
              grace agent ask fix_invalid
              grace agent ask diagnose --kernel api --line "missing required configuration parameter API_REGION"
              grace agent ask refactor --refactor add-health-probe-to-indexer
              grace agent ask refactor --refactor rename-worker --value background-worker
            """)

    @OptionGroup var state: StateDirectoryOption
    @Argument(help: "The task type.") var type: String
    @Option(help: "The kernel it is about.") var kernel: String?
    @Option(help: "What the task should achieve, in words.") var goal: String?
    @Option(help: "A log line that shows the problem.") var line: String?
    @Option(help: "The configuration file it is about.") var path: String?
    @Option(help: "The refactor intent to carry out (refactor tasks).") var refactor: String?
    @Option(help: "The value a refactor asks for (a new name, a measured figure).") var value: String?

    func run() throws {
        let types = [
            "fix_invalid", "repair_playbook", "add_param", "tune", "learn_signature", "diagnose", "refactor", "verify",
        ]
        guard types.contains(type) else {
            throw CLIError.usage("no task type `\(type)`; one of \(types.joined(separator: ", "))")
        }
        if type == "refactor", refactor == nil { throw CLIError.usage("a refactor task needs --refactor NAME") }
        // Created if Grace has not run yet: the task waits for the agent.
        let store = try openQueue(state, create: true)
        var inputs = AgentTaskInputs(source: "person")
        inputs.kernel = kernel
        inputs.goal = goal
        inputs.line = line
        inputs.path = path
        inputs.refactor = refactor
        inputs.value = value
        let task: AgentTask
        do { task = try store.enqueue(type: type, inputs: inputs) } catch { throw CLIError.io(error.description) }
        print("queued task \(task.id) (\(type)); follow it with `grace agent show \(task.id)`")
    }
}
