import Foundation
import Glibc
import Synchronization

/// Runs short-lived commands (exec probes, playbook `exec` steps) through Grace's own spawner and reaper,
/// capturing their output on the ``IOReactor`` (no thread per command), and kills the whole process group when
/// the timeout passes.
public struct ProcessCommandRunner: CommandRunner {
    /// Finds the command's executable, as kernels' are found.
    public var locator: ExecutableLocator
    /// Reaps the commands this runner starts.
    public let reaper: ChildReaper
    /// Where the output pipe is read; also what the healer's HTTP steps wait on.
    public let reactor: IOReactor
    /// The commands' environment (Grace's own by default).
    public var environment: [String: String]
    /// Where commands run; nil: the configuration root.
    public var workingDirectory: String?
    /// Output beyond this is dropped; a command cannot make Grace buffer without bound.
    public var outputLimit = 64 << 10

    /// A runner spawning through `reaper`'s Grace and reading output on `reactor`.
    public init(
        locator: ExecutableLocator, reaper: ChildReaper, reactor: IOReactor,
        environment: [String: String] = ProcessInfo.processInfo.environment, workingDirectory: String? = nil
    ) {
        self.locator = locator
        self.reaper = reaper
        self.reactor = reactor
        self.environment = environment
        self.workingDirectory = workingDirectory
    }

    /// Runs `arguments` and returns how it ended and its output (at most `outputLimit` bytes); past `timeout` the
    /// whole group is SIGKILLed. Throws `SpawnError` when it cannot be started.
    public func run(_ arguments: [String], timeout: Duration) async throws -> CommandOutcome {
        try await run(arguments, timeout: timeout, workingDirectory: nil, environment: [:])
    }

    /// As `run(_:timeout:)`, in `workingDirectory` (relative to the configuration root; nil: the runner's) and with
    /// `environment` set over the runner's (a playbook `exec` step's `cwd` and `env`).
    public func run(
        _ arguments: [String], timeout: Duration, workingDirectory: String?, environment: [String: String]
    ) async throws -> CommandOutcome {
        guard let name = arguments.first, let executable = locator.locate(name) else {
            throw SpawnError(executable: arguments.first ?? "", stage: "lookup", errno: ENOENT)
        }
        let pipe = try PipeDescriptors()
        var variables = self.environment
        for (key, value) in environment { variables[key] = value }
        let directory = workingDirectory.map {
            ($0 as NSString).isAbsolutePath ? $0 : (locator.root as NSString).appendingPathComponent($0)
        }
        let spec = ProcessSpec(
            executable: executable, arguments: arguments, environment: variables,
            workingDirectory: directory ?? self.workingDirectory ?? locator.root)
        // Reading starts before the spawn; if the spawn fails, closing the write end below ends it (EOF).
        let output = CommandOutput(limit: outputLimit)
        reactor.readStream(
            pipe.read, name: "grace-exec-output", chunk: { output.append($0) }, end: { output.finish() })
        let pid: Int32
        do {
            pid = try Spawner.spawn(spec, descriptors: .init(stdout: pipe.write, stderr: pipe.write), reaper: reaper)
        } catch {
            close(pipe.write)
            throw error
        }
        close(pipe.write)
        let timer = Task {
            try await Task.sleep(for: timeout)
            Spawner.signalGroup(pid, SIGKILL)
            return true
        }
        let status = await reaper.exit(of: pid)
        timer.cancel()
        let timedOut = (try? await timer.value) ?? false
        // A grandchild may still hold the pipe; kill the group so the read ends.
        Spawner.signalGroup(pid, SIGKILL)
        let text = await output.text()
        switch status {
        case .exited(let code):
            return CommandOutcome(status: code, output: text, timedOut: timedOut)
        case .signaled(let signal, _):
            return CommandOutcome(signal: signal, output: text, timedOut: timedOut)
        }
    }
}

/// A command's output as the reactor reads it: the first `limit` bytes kept, the rest read and dropped (so the
/// command never blocks on a full pipe), handed over at EOF.
private final class CommandOutput: Sendable {
    private struct State {
        var data: [UInt8] = []
        var finished = false
        var waiter: CheckedContinuation<String, Never>?
    }

    private let limit: Int
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = limit
    }

    func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        state.withLock { s in
            let room = limit - s.data.count
            if room > 0 { s.data.append(contentsOf: bytes.prefix(room)) }
        }
    }

    func finish() {
        let waiting = state.withLock { s -> (CheckedContinuation<String, Never>, String)? in
            s.finished = true
            defer { s.waiter = nil }
            return s.waiter.map { ($0, String(decoding: s.data, as: UTF8.self)) }
        }
        if let (waiter, text) = waiting { waiter.resume(returning: text) }
    }

    /// Everything read, once the pipe has reached EOF.
    func text() async -> String {
        await withCheckedContinuation { continuation in
            let text = state.withLock { s -> String? in
                guard s.finished else {
                    s.waiter = continuation
                    return nil
                }
                return String(decoding: s.data, as: UTF8.self)
            }
            if let text { continuation.resume(returning: text) }
        }
    }
}
