import Foundation

/// Runs a probe's blocking socket work on a thread of its own, so that waiting for a slow peer (up to the
/// probe's timeout) never holds one of the few threads of Swift's cooperative pool, nor a Dispatch worker.
/// A probe runs every few seconds per kernel, so the cost of a short-lived thread does not matter.
enum ProbeThread {
    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: body())
            }
            thread.name = "grace-probe"
            thread.start()
        }
    }
}
