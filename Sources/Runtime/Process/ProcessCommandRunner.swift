import Foundation
import Glibc

/// Runs short-lived commands (exec probes, playbook `exec` steps) through Grace's own spawner and reaper,
/// capturing their output, and kills the whole process group when the timeout passes.
public struct ProcessCommandRunner: CommandRunner {
    public var locator: ExecutableLocator
    /// Reaps the commands this runner starts.
    public let reaper: ChildReaper
    public var environment: [String: String]
    public var workingDirectory: String?
    /// Output beyond this is dropped; a command cannot make Grace buffer without bound.
    public var outputLimit = 64 << 10

    public init(
        locator: ExecutableLocator, reaper: ChildReaper,
        environment: [String: String] = ProcessInfo.processInfo.environment, workingDirectory: String? = nil
    ) {
        self.locator = locator
        self.reaper = reaper
        self.environment = environment
        self.workingDirectory = workingDirectory
    }

    public func run(_ arguments: [String], timeout: Duration) async throws -> CommandOutcome {
        guard let name = arguments.first, let executable = locator.locate(name) else {
            throw SpawnError(executable: arguments.first ?? "", stage: "lookup", errno: ENOENT)
        }
        let pipe = try PipeDescriptors()
        let spec = ProcessSpec(
            executable: executable, arguments: arguments, environment: environment,
            workingDirectory: workingDirectory ?? locator.root)
        let pid: Int32
        do {
            pid = try Spawner.spawn(spec, descriptors: .init(stdout: pipe.write, stderr: pipe.write), reaper: reaper)
        } catch {
            close(pipe.read)
            close(pipe.write)
            throw error
        }
        close(pipe.write)
        let limit = outputLimit
        let readFD = pipe.read
        // Blocking reads run on their own thread, never on the cooperative pool (it has one thread per core).
        let output = Task { () -> String in
            await withCheckedContinuation { continuation in
                let thread = Thread {
                    var data = [UInt8]()
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    while true {
                        let n = buffer.withUnsafeMutableBytes { read(readFD, $0.baseAddress, 4096) }
                        if n > 0 {
                            if data.count < limit { data.append(contentsOf: buffer[0..<min(n, limit - data.count)]) }
                        } else if n < 0 && errno == EINTR {
                            continue
                        } else {
                            break
                        }
                    }
                    close(readFD)
                    continuation.resume(returning: String(decoding: data, as: UTF8.self))
                }
                thread.name = "grace-exec-output"
                thread.start()
            }
        }
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
        let text = await output.value
        switch status {
        case .exited(let code):
            return CommandOutcome(status: code, output: text, timedOut: timedOut)
        case .signaled(let signal, _):
            return CommandOutcome(signal: signal, output: text, timedOut: timedOut)
        }
    }
}
