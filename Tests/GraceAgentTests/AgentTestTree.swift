import Foundation
import GraceAgent
import Logging
import Runtime

/// A small configuration root in a temporary git repository, with a queue and an agent working it; the reload
/// answers what `reloadAnswer` says and counts calls.
final class AgentTestTree: @unchecked Sendable {
    // @unchecked: mutated only by the test's task before the worker runs, and `reloads` under a lock.
    let root: URL
    let state: URL
    let store: AgentTaskStore
    let runner: ProcessCommandRunner
    let git: GitWorkTree
    private let lock = NSLock()
    private var _reloads = 0
    var reloadAnswer: (ok: Bool, message: String) = (true, "reloaded")
    /// Runs at each reload, after the agent marked where its watch starts (what a kernel does after it).
    var onReload: (@Sendable (Int) -> Void)?

    var reloads: Int { lock.withLock { _reloads } }

    static let grace = """
        kind: grace
        name: test
        state_dir: var/grace
        include: [config, Playbooks]
        knowledge: {success_window: 1s}
        agent:
          enabled: true
          may_change: [trigger, playbook, signature, kernel]
          protected: [store]
          max_commits_per_hour: 6

        """

    static let kernels = """
        kind: kernel
        name: web
        command: [/bin/sleep, "1000"]
        restart: {policy: always}
        ---
        kind: kernel
        name: store
        command: [/bin/sleep, "1000"]

        """

    static let playbooks = """
        kind: playbook
        name: restart-kernel
        params:
          kernel: {type: kernel}
        steps:
          - name: restart
            restart: "{{ kernel }}"
            timeout: 30s
        ---
        kind: trigger
        name: web-crashed
        when: {exit: web}
        run: restart-kernel
        with: {kernel: web}

        """

    init(files: [String: String] = [:]) async throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("grace-agent-\(UUID().uuidString)")
        state = root.appendingPathComponent("var/grace")
        var all = [
            "config/grace.yaml": Self.grace, "config/kernels.yaml": Self.kernels,
            "Playbooks/kernel.yaml": Self.playbooks, ".gitignore": "var/\n",
        ]
        for (path, text) in files { all[path] = text }
        for (path, text) in all { try Self.write(path, text, under: root) }
        let reaper = ChildReaper()
        reaper.start(mode: .registeredOnly)
        runner = ProcessCommandRunner(
            locator: ExecutableLocator(root: root.path, toolDirectories: []), reaper: reaper,
            reactor: try IOReactor(name: "agent-test-io"))
        git = GitWorkTree(directory: root.path, runner: runner)
        store = try AgentTaskStore(stateDirectory: state)
        try await git.git(["init", "-q"])
        try await git.git(["add", "-A"])
        try await git.git(["-c", "user.name=op", "-c", "user.email=op@example.com", "commit", "-q", "-m", "initial"])
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    func write(_ path: String, _ text: String) throws { try Self.write(path, text, under: root) }

    static func write(_ path: String, _ text: String, under root: URL) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    func read(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// Commits every change as the operator.
    func commitAll(_ message: String) async throws {
        try await git.git(["add", "-A"])
        try await git.git(["-c", "user.name=op", "-c", "user.email=op@example.com", "commit", "-q", "-m", message])
    }

    func worker(journal: StateStore? = nil) -> AgentWorker {
        var configuration = AgentWorker.Configuration(root: root.path, stateDirectory: state)
        configuration.watchWindow = .seconds(1)
        return AgentWorker(
            configuration: configuration, store: store, runner: runner, git: git, journal: journal,
            logger: Logger(label: "agent-test"),
            reload: { [self] in
                let count = lock.withLock {
                    _reloads += 1
                    return _reloads
                }
                onReload?(count)
                return reloadAnswer
            })
    }

    func enqueue(_ type: String, configure: (inout AgentTaskInputs) -> Void = { _ in }) throws -> AgentTask {
        var inputs = AgentTaskInputs(source: "person")
        configure(&inputs)
        return try store.enqueue(type: type, inputs: inputs)
    }

    /// The agent's commits (author `Grace agent`), newest first: id, subject and full message.
    func agentCommits() async throws -> [(id: String, message: String)] {
        let log = try await git.git(["log", "--author=Grace agent", "--format=%H%x00%B%x01"])
        return log.split(separator: "\u{1}").compactMap { record in
            let parts = record.trimmingCharacters(in: .whitespacesAndNewlines).split(
                separator: "\0", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { return nil }
            return (String(parts[0]), String(parts[1]))
        }
    }
}
