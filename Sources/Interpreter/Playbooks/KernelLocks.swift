import Foundation

/// How much a run's trigger knows about the failure it answers. When several triggers fire for one failure, the
/// run that addresses its cause goes first: a generic restart cannot help a kernel whose data is corrupt, and it
/// must not hold the kernel while the restore waits.
public enum RunPriority: Int, Sendable, Comparable, CustomStringConvertible {
    /// A symptom: an exit, failing probes, restarts, a silence, a metric (or no trigger at all).
    case routine = 0
    /// A trigger that names a cause: a data-integrity check (`file:`) or a known error signature.
    case cause = 1

    /// Routine runs before cause runs.
    public static func < (a: RunPriority, b: RunPriority) -> Bool { a.rawValue < b.rawValue }

    /// `routine` or `cause`.
    public var description: String { self == .cause ? "cause" : "routine" }
}

/// Per-kernel locks: two runs never act on one kernel at once, and a run that addresses a failure's cause goes
/// before routine ones. A cause run that needs a kernel a routine run holds preempts that run (it stops at its
/// current step and hands the kernel over); a routine run that would wait behind a cause run is superseded at
/// once instead of queueing to undo its work afterwards. Runs of equal priority wait their turn.
public actor KernelLocks {
    /// No kernel locked; share one instance between the executors that must not act on a kernel at once.
    public init() {}

    /// What `acquire` answers.
    public enum Grant: Sendable, Equatable {
        /// The run holds every kernel it asked for.
        case acquired
        /// A run of higher priority holds or waits for one of the kernels: this run must not act.
        case superseded(by: String)
    }

    private struct Holder {
        var owner: String
        var priority: RunPriority
    }

    private struct Waiter {
        var owner: String
        var kernels: Set<String>
        var priority: RunPriority
        /// Nil while the waiter checks again after a release: it stays registered, so its priority still counts.
        var continuation: CheckedContinuation<Void, Never>?
    }

    private var holders: [String: Holder] = [:]
    private var waiters: [UUID: Waiter] = [:]
    /// Owners asked to hand their kernels over, with who asked.
    private var preempted: [String: String] = [:]
    private var preemptionWaiters: [String: CheckedContinuation<String?, Never>] = [:]

    /// Waits until none of `kernels` is held by another owner, then holds them all for `owner` (reentrant for the
    /// same owner; taking them all at once means two runs never deadlock on each other). A routine run finds itself
    /// superseded when a cause run holds or waits for one of them; a cause run preempts the routine holders.
    public func acquire(_ kernels: [String], owner: String, priority: RunPriority = .routine) async -> Grant {
        let wanted = Set(kernels)
        let id = UUID()
        defer { waiters.removeValue(forKey: id) }
        while true {
            let others = wanted.compactMap { holders[$0] }.filter { $0.owner != owner }
            let waitingAbove = waiters.values.filter {
                $0.owner != owner && $0.priority > priority && !$0.kernels.isDisjoint(with: wanted)
            }
            if let above = others.first(where: { $0.priority > priority })
                ?? waitingAbove.first.map({
                    Holder(owner: $0.owner, priority: $0.priority)
                })
            {
                return .superseded(by: above.owner)
            }
            if others.isEmpty {
                for kernel in wanted { holders[kernel] = Holder(owner: owner, priority: priority) }
                return .acquired
            }
            for holder in others where holder.priority < priority { preempt(holder.owner, by: owner) }
            await withCheckedContinuation { continuation in
                waiters[id] = Waiter(owner: owner, kernels: wanted, priority: priority, continuation: continuation)
            }
        }
    }

    /// Releases those of `kernels` that `owner` holds and wakes every waiter to check again.
    public func release(_ kernels: [String], owner: String) {
        for kernel in kernels where holders[kernel]?.owner == owner { holders.removeValue(forKey: kernel) }
        preempted.removeValue(forKey: owner)
        preemptionWaiters.removeValue(forKey: owner)?.resume(returning: nil)
        for id in waiters.keys {
            waiters[id]?.continuation?.resume()
            waiters[id]?.continuation = nil
        }
    }

    /// Returns the run that preempted `owner` once one does, or nil when the waiting task is cancelled (or `owner`
    /// releases its kernels first).
    public func preemption(of owner: String) async -> String? {
        if let by = preempted[owner] { return by }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if let by = preempted[owner] {
                    continuation.resume(returning: by)
                } else if Task.isCancelled {
                    continuation.resume(returning: nil)
                } else {
                    preemptionWaiters[owner]?.resume(returning: nil)
                    preemptionWaiters[owner] = continuation
                }
            }
        } onCancel: {
            Task { await self.stopWaitingForPreemption(of: owner) }
        }
    }

    /// The owners that hold a kernel, by kernel (for status and tests).
    public var held: [String: String] { holders.mapValues(\.owner) }

    private func preempt(_ owner: String, by preemptor: String) {
        guard preempted[owner] == nil else { return }
        preempted[owner] = preemptor
        preemptionWaiters.removeValue(forKey: owner)?.resume(returning: preemptor)
    }

    private func stopWaitingForPreemption(of owner: String) {
        preemptionWaiters.removeValue(forKey: owner)?.resume(returning: nil)
    }
}
