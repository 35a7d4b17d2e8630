import Foundation
import Synchronization

/// A few threads for the blocking calls that have no non-blocking form (getaddrinfo of a name that is neither
/// numeric nor `localhost`): at most `limit` at once, started when a job comes and gone as soon as the queue
/// is empty, so an idle Grace has none and a slow DNS server can never multiply them.
final class BlockingPool: Sendable {
    typealias Job = @Sendable () -> Void

    static let defaultLimit = 2

    let limit: Int
    private let name: String
    private let state = Mutex<(jobs: [Job], threads: Int, started: Int)>(([], 0, 0))

    init(name: String, limit: Int = BlockingPool.defaultLimit) {
        self.name = name
        self.limit = max(1, limit)
    }

    /// Runs `job` on a pool thread, now or after the jobs queued before it.
    func submit(_ job: @escaping Job) {
        let startThread = state.withLock { s in
            s.jobs.append(job)
            guard s.threads < limit else { return false }
            s.threads += 1
            s.started += 1
            return true
        }
        guard startThread else { return }
        let thread = Thread { [self] in
            IOReactor.nameCurrentThread(name)
            work()
        }
        thread.start()
    }

    /// The number of pool threads now (tests).
    var threads: Int { state.withLock { $0.threads } }
    /// How many threads the pool has started in all (tests).
    var startedThreads: Int { state.withLock { $0.started } }

    private func work() {
        // Deciding to end and finding the queue empty happen under one lock with `submit`, so no job is left
        // without a thread.
        while let job = state.withLock({ s -> Job? in
            guard !s.jobs.isEmpty else {
                s.threads -= 1
                return nil
            }
            return s.jobs.removeFirst()
        }) {
            job()
        }
    }
}
