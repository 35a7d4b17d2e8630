/// A least-squares line through recent samples, like Prometheus' predict_linear: where is the metric heading?
public struct LinearTrend: Sendable {
    /// Value per second.
    public let slope: Double
    /// Fitted value at the last sample.
    public let valueAtLast: Double

    /// Nil with fewer than two distinct sample times.
    public init?(_ samples: [(at: Duration, value: Double)]) {
        guard samples.count >= 2, let last = samples.last?.at else { return nil }
        // x: seconds relative to the last sample, for numerical stability.
        let xs = samples.map { sample -> Double in
            let c = (sample.at - last).components
            return Double(c.seconds) + Double(c.attoseconds) * 1e-18
        }
        let ys = samples.map(\.value)
        let n = Double(samples.count)
        let meanX = xs.reduce(0, +) / n
        let meanY = ys.reduce(0, +) / n
        var sxx = 0.0
        var sxy = 0.0
        for (x, y) in zip(xs, ys) {
            sxx += (x - meanX) * (x - meanX)
            sxy += (x - meanX) * (y - meanY)
        }
        guard sxx > 0 else { return nil }
        slope = sxy / sxx
        valueAtLast = meanY - slope * meanX
    }

    /// The forecast `seconds` after the last sample.
    public func value(atSecondsFromLast seconds: Double) -> Double {
        valueAtLast + slope * seconds
    }

    /// Seconds after the last sample until the line reaches `target`; nil when it never does.
    public func secondsUntil(_ target: Double) -> Double? {
        guard slope != 0 else { return nil }
        let t = (target - valueAtLast) / slope
        return t >= 0 ? t : nil
    }
}
