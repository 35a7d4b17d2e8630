// `grace reexec`: Grace replaces its own image with `execve` on the same pid, so that its kernels, which are its
// children, keep running and stay its children. The order is: accept the request (the limit, the executable), stop
// every in-process component through the service group's graceful shutdown (the supervisor, told beforehand, hands
// its kernels over instead of stopping them), write the handoff file, clear FD_CLOEXEC on exactly the descriptors
// the new image needs (the kernels' output pipes and the state-directory lock), and exec.
import Foundation
import Glibc
import Synchronization

/// Re-executes Grace in place: the entry point of `grace reexec`, of the control socket's `reexec` and of the
/// component tree's escalation. One per assembled Grace.
public final class Reexecutor: Sendable {
    private struct Request: Sendable {
        var reason: String
        var executable: String
        var requestedAt: Date
        var generation: Int
        var history: [Date]
    }

    private struct State: Sendable {
        var request: Request?
        var shutdown: (@Sendable () async -> Void)?
        var onHandoff: [@Sendable () -> Void] = []
    }

    /// The executable that runs the same image again, even when its file was replaced or deleted since.
    public static let currentImage = "/proc/self/exe"

    private let supervisor: Supervisor
    private let lock: StateDirectoryLock
    private let stateDirectory: URL
    private let arguments: [String]
    /// How often Grace may re-execute itself (`supervision.reexec` of the grace document; 3 within 10 minutes when
    /// none is given).
    public let limit: ReexecLimit
    /// Which image this is: 0 for the `grace run` that was started, one more at each reexec.
    public let generation: Int
    /// When the earlier reexecs of this pid happened (from the handoff), for the limit.
    public let history: [Date]
    private let state = Mutex(State())

    /// A reexecutor for the Grace whose supervisor and lock these are. `inherited` is the handoff this image was
    /// started with (nil for a fresh `grace run`); `arguments` are the command line the new image gets.
    public init(
        supervisor: Supervisor, lock: StateDirectoryLock, stateDirectory: URL, inherited: ReexecHandoff?,
        arguments: [String] = CommandLine.arguments, limit: ReexecLimit = .standard
    ) {
        self.supervisor = supervisor
        self.lock = lock
        self.stateDirectory = stateDirectory
        self.arguments = arguments
        self.limit = limit
        generation = inherited?.generation ?? 0
        history = inherited?.history ?? []
    }

    /// How the assembly lets the reexecutor stop every component: the service group's graceful shutdown.
    public func setShutdown(_ shutdown: @escaping @Sendable () async -> Void) {
        state.withLock { $0.shutdown = shutdown }
    }

    /// Runs `body` when a reexec is accepted, before the components stop (the systemd notifier says RELOADING=1
    /// instead of STOPPING=1).
    public func onHandoff(_ body: @escaping @Sendable () -> Void) {
        state.withLock { $0.onHandoff.append(body) }
    }

    /// Whether a reexec was accepted and the components are being stopped for it.
    public var isRequested: Bool { state.withLock { $0.request != nil } }

    /// Re-executes Grace in place: checks the limit and the executable, then stops every in-process component
    /// without stopping a kernel, after which `grace run` hands the kernels over and execs (`execIfRequested`).
    /// Returns once the components are being stopped, with the generation the new image will have; throws without
    /// changing anything when the reexec is refused (`ReexecError.limitReached`: escalate to the operator).
    ///
    /// - Parameters:
    ///   - reason: why, for the journal's `grace.reexec` entry.
    ///   - executable: the `grace` to run (the upgrade path); nil runs the same image again (`/proc/self/exe`).
    @discardableResult
    public func request(reason: String, executable: String? = nil) async throws(ReexecError) -> Int {
        let path = executable ?? Self.currentExecutable()
        guard access(path, X_OK) == 0 else {
            throw .badExecutable(path: path, reason: String(cString: strerror(errno)))
        }
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw .badExecutable(path: path, reason: "not a regular file")
        }
        let now = Date()
        let recent = limit.recent(history, now: now)
        guard recent.count < limit.count else { throw .limitReached(count: recent.count, within: limit.within) }
        let accepted = state.withLock {
            state -> (shutdown: (@Sendable () async -> Void)?, hooks: [@Sendable () -> Void])? in
            guard state.request == nil, state.shutdown != nil else { return nil }
            state.request = Request(
                reason: reason, executable: path, requestedAt: now, generation: generation + 1,
                history: recent + [now])
            return (state.shutdown, state.onHandoff)
        }
        guard let accepted, let shutdown = accepted.shutdown else {
            if isRequested { throw .alreadyRequested }
            throw .unavailable("this Grace was assembled without a way to stop its components")
        }
        await supervisor.beginHandoff()
        accepted.hooks.forEach { $0() }
        await shutdown()
        return generation + 1
    }

    /// After the service group has stopped: when a reexec was requested, writes the handoff file, lets the
    /// descriptors the new image needs survive, and execs; returns without doing anything otherwise. Throws only when
    /// neither the requested executable nor the current image could be executed: the kernels then outlive this
    /// process as orphans and the next Grace stops them as a crashed Grace's leftovers.
    public func execIfRequested() async throws(ReexecError) {
        guard let request = state.withLock({ $0.request }) else { return }
        let kernels = await supervisor.handedOver
        let path = ReexecHandoff.path(in: stateDirectory)
        let handoff = ReexecHandoff(
            generation: request.generation, reason: request.reason, executable: request.executable, pid: getpid(),
            lockFD: lock.descriptor, requestedAt: request.requestedAt, history: request.history, kernels: kernels)
        try handoff.write(to: path)
        let survivors = [lock.descriptor] + kernels.flatMap { [$0.stdoutFD, $0.stderrFD] }
        for fd in survivors { _ = fcntl(fd, F_SETFD, 0) }
        var environment = ProcessInfo.processInfo.environment
        environment[ReexecHandoff.environmentVariable] = path
        var code = Self.exec(request.executable, arguments: arguments, environment: environment)
        var failed = request.executable
        if request.executable != Self.currentImage {
            // The upgrade's executable would not run: the same image again, rather than losing the kernels.
            var fallback = handoff
            fallback.executable = Self.currentImage
            fallback.reason += " (\(request.executable) failed: \(String(cString: strerror(code))))"
            try fallback.write(to: path)
            code = Self.exec(Self.currentImage, arguments: arguments, environment: environment)
            failed = Self.currentImage
        }
        for fd in survivors { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        unlink(path)
        throw .execFailed(path: failed, errno: code)
    }

    /// The file this process runs, so that the new image is named as the old one in `ps` (`/proc/self/exe` would
    /// make it `exe`); `/proc/self/exe` itself when the file was deleted or replaced since (an upgrade in place).
    static func currentExecutable() -> String {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: currentImage),
            !target.hasSuffix(" (deleted)")
        else { return currentImage }
        var running = stat()
        var file = stat()
        guard stat(currentImage, &running) == 0, stat(target, &file) == 0, running.st_dev == file.st_dev,
            running.st_ino == file.st_ino
        else { return currentImage }
        return target
    }

    /// `execve`; returns only when it failed, with its errno.
    private static func exec(_ path: String, arguments: [String], environment: [String: String]) -> Int32 {
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        _ = execve(path, argv, envp)
        return errno
    }

    /// The handoff this process was started with, when `GRACE_REEXEC` names one: read, and the variable removed
    /// so that no kernel inherits it. nil for a fresh start; a handoff that cannot be read is reported through
    /// `onError` and Grace starts as after a crash (the kernels are stopped as leftovers and started again).
    public static func inheritedHandoff(onError: (ReexecError) -> Void = { _ in }) -> ReexecHandoff? {
        guard let path = ProcessInfo.processInfo.environment[ReexecHandoff.environmentVariable] else { return nil }
        unsetenv(ReexecHandoff.environmentVariable)
        let handoff: ReexecHandoff
        do {
            handoff = try ReexecHandoff.read(path: path)
        } catch {
            onError(error)
            return nil
        }
        guard handoff.pid == getpid() else {
            onError(.unreadableHandoff(path: path, reason: "written by pid \(handoff.pid), not this one"))
            return nil
        }
        return handoff
    }
}
