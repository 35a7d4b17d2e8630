import GraceDSL
import Interpreter

/// Runs one kernel's health probe on its schedule: the first check once what is left of `start_period` has
/// passed, then one every `every`, each bounded by `timeout`, each result handed to `report` with how long the
/// check took on `clock` (the kernel's `latency`). The loop is the returned task: cancel it to stop probing.
enum ProbeLoop {
    static func start(
        _ probe: any HealthProbe, health: Kernel.HealthProbe, firstAfter delay: Duration, clock: RuntimeClock,
        report: @escaping @Sendable (ProbeResult, Duration) async -> Void
    ) -> Task<Void, Never> {
        Task {
            if delay > .zero { try? await clock.sleep(for: delay) }
            while !Task.isCancelled {
                let start = clock.elapsedTime
                let result = await probe.check(timeout: health.timeout)
                let took = clock.elapsedTime - start
                guard !Task.isCancelled else { return }
                await report(result, took)
                try? await clock.sleep(for: health.every)
            }
        }
    }
}
