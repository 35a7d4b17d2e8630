import Foundation
import Runtime

/// The last samples of each kernel's CPU and memory, oldest first, for the dashboard's sparklines.
struct MetricHistory: Sendable {
    struct Series: Sendable {
        var cpuPercent: [Double] = []
        var rssBytes: [Double] = []
        var sampledAt: Date?
    }

    let capacity: Int
    private var series: [String: Series] = [:]

    init(capacity: Int = 60) {
        self.capacity = capacity
    }

    mutating func record(kernel: String, _ metrics: KernelMetrics, at time: Date = Date()) {
        var s = series[kernel] ?? Series()
        s.cpuPercent.append(metrics.cpuPercent)
        s.rssBytes.append(Double(metrics.rssBytes))
        if s.cpuPercent.count > capacity { s.cpuPercent.removeFirst(s.cpuPercent.count - capacity) }
        if s.rssBytes.count > capacity { s.rssBytes.removeFirst(s.rssBytes.count - capacity) }
        s.sampledAt = time
        series[kernel] = s
    }

    func series(of kernel: String) -> Series { series[kernel] ?? Series() }
}
