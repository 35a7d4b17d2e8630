/// One kind of health check of a kernel: an HTTP request, a TCP connect, a command, a heartbeat file.
///
/// A check never throws and never outlives `timeout` by more than scheduling noise: every failure, including
/// the timeout itself, is an `.unhealthy` result with a reason. Probes hold no state between checks; counting
/// consecutive failures, `every` and `start_period` are the supervisor's business.
public protocol HealthProbe: Sendable {
    /// One check, bounded by `timeout`; never throws: every failure is an `.unhealthy` result with a reason.
    func check(timeout: Duration) async -> ProbeResult
}
