import GraceDSL
import Synchronization

/// The kernels a run has stopped or paused and not started or resumed since: if the run fails, it starts or
/// resumes them again, so that a failed run never leaves a kernel worse than it found it. A `stop` or `pause` step
/// with `stays_down: true` is meant to leave its kernel down and is not recorded.
final class KernelsLeftDown: Sendable {
    /// One kernel to bring back: by the step that took it down.
    struct Entry: Sendable, Equatable {
        var kernel: String
        var index: Int
        var step: String
        /// `.start` for a stopped kernel, `.resume` for a paused one.
        var action: ResolvedAction
    }

    private let entries = Mutex<[Entry]>([])

    /// Notes what a step that succeeded did to its kernel.
    func note(_ step: Step, action: ResolvedAction, index: Int, name: String) {
        entries.withLock { entries in
            switch action {
            case .stop(let kernel, _, _):
                entries.removeAll { $0.kernel == kernel }
                if !step.staysDown {
                    entries.append(Entry(kernel: kernel, index: index, step: name, action: .start(kernel: kernel)))
                }
            case .pause(let kernel):
                guard !step.staysDown, !entries.contains(where: { $0.kernel == kernel }) else { return }
                entries.append(Entry(kernel: kernel, index: index, step: name, action: .resume(kernel: kernel)))
            case .start(let kernel), .restart(let kernel, _):
                entries.removeAll { $0.kernel == kernel }
            case .resume(let kernel):
                entries.removeAll { $0.kernel == kernel && $0.action == .resume(kernel: kernel) }
            default:
                break
            }
        }
    }

    /// What to bring back, the most recent first.
    var all: [Entry] { entries.withLock { $0.reversed() } }
}
