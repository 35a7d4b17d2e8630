/// The metrics a trigger can watch, and the unit each is measured in.
public enum Metric: String, Sendable, Hashable, Codable, CaseIterable {
    case cpu, memory_rss, memory, open_fds, fd_usage, threads, zombies, restarts, latency, log_rate
    case host_cpu, host_memory, host_load1, disk_free, clock_jump

    public enum Unit: String, Sendable, Hashable, Codable {
        /// `duration` values are seconds; thresholds are written as durations (`500ms`, `2s`).
        case percent, bytes, count, number, duration
    }

    public var unit: Unit {
        switch self {
        case .cpu, .memory, .fd_usage, .host_cpu, .host_memory: .percent
        case .memory_rss, .disk_free: .bytes
        case .open_fds, .threads, .zombies, .restarts: .count
        case .host_load1, .log_rate: .number
        case .latency, .clock_jump: .duration
        }
    }

    /// Host metrics take no `kernel`; kernel metrics need one.
    public var isHostMetric: Bool { rawValue.hasPrefix("host_") || self == .disk_free || self == .clock_jump }

    /// An example threshold of the right unit, for messages.
    public var example: String {
        switch unit {
        case .percent: "90%"
        case .bytes: "512MiB"
        case .count: "1000"
        case .number: "4.0"
        case .duration: "500ms"
        }
    }
}

/// A threshold value in the metric's unit, normalised to a number (bytes, percent points, count, seconds).
public struct MetricValue: Sendable, Hashable, Codable {
    public var value: Double
    public var unit: Metric.Unit

    public init(_ value: Double, unit: Metric.Unit) {
        self.value = value
        self.unit = unit
    }
}

extension MetricValue {
    /// The value as written in the metric's unit: `160MiB`, `90%`, `500ms`, `4`.
    public var text: String { Self.text(value, unit: unit) }

    /// `value` as text in `unit`: bytes in the largest binary unit that keeps one decimal at most, percent with
    /// `%`, durations in `ms` below a second.
    public static func text(_ value: Double, unit: Metric.Unit) -> String {
        func number(_ v: Double) -> String {
            let rounded = (v * 10).rounded() / 10
            return rounded == rounded.rounded() && abs(rounded) < 1e15 ? String(Int64(rounded)) : String(rounded)
        }
        switch unit {
        case .bytes:
            var v = value
            for suffix in ["B", "KiB", "MiB", "GiB"] {
                if abs(v) < 1024 { return number(v) + suffix }
                v /= 1024
            }
            return number(v) + "TiB"
        case .percent: return number(value) + "%"
        case .duration: return abs(value) < 1 ? number(value * 1000) + "ms" : number(value) + "s"
        case .count, .number: return number(value)
        }
    }
}
