import Foundation
import GraceDSL

/// Which bound playbook to run for a signature, and when a learned binding has failed often enough to drop.
///
/// Choice is Thompson sampling over each binding's Beta posterior: draw a plausible success rate for every
/// binding and run the one with the highest draw. A binding with much evidence of success wins almost every
/// time (the best expected success), while one with thin evidence still gets drawn high now and then, so
/// alternatives keep being tried until the evidence separates them. A declared binding always wins.
public struct BindingPolicy: Sendable {
    /// The expected success (0...1) below which a learned binding is dropped.
    public var dropBelow: Double
    /// How many runs a learned binding gets before it can be dropped.
    public var minTrials: Int

    /// A policy with explicit thresholds; the defaults are those of the `knowledge:` settings.
    public init(dropBelow: Double = 0.3, minTrials: Int = 3) {
        self.dropBelow = dropBelow
        self.minTrials = minTrials
    }

    /// The policy a grace document's `knowledge:` settings configure.
    public init(_ settings: GraceSettings.Knowledge) {
        self.init(dropBelow: settings.dropBelow, minTrials: settings.minTrials)
    }

    /// A learned binding tried at least `minTrials` times whose expected success fell below `dropBelow`.
    public func shouldDrop(_ binding: BindingEvidence) -> Bool {
        !binding.declared && binding.trials >= minTrials && binding.expectedSuccess < dropBelow
    }

    /// The binding to run, or nil when there is none.
    public func choose<R: RandomNumberGenerator>(_ bindings: [BindingEvidence], using random: inout R)
        -> BindingEvidence?
    {
        if let declared = bindings.filter(\.declared).min(by: { $0.playbook < $1.playbook }) { return declared }
        var best: (draw: Double, binding: BindingEvidence)?
        // Name order first, so that equal draws (never in practice) resolve the same way every time.
        for binding in bindings.sorted(by: { $0.playbook < $1.playbook }) {
            let draw = BetaSample.draw(
                alpha: Double(binding.successes + 1), beta: Double(binding.failures + 1), using: &random)
            if draw > (best?.draw ?? -1) { best = (draw, binding) }
        }
        return best?.binding
    }
}

/// Samples of the Beta distribution, as X / (X + Y) for X ~ Gamma(alpha), Y ~ Gamma(beta) (Marsaglia and
/// Tsang's method for the gamma variates, Box-Muller for the normal ones it needs).
enum BetaSample {
    static func draw<R: RandomNumberGenerator>(alpha: Double, beta: Double, using random: inout R) -> Double {
        let x = gamma(alpha, using: &random)
        let y = gamma(beta, using: &random)
        return x + y > 0 ? x / (x + y) : 0.5
    }

    static func gamma<R: RandomNumberGenerator>(_ shape: Double, using random: inout R) -> Double {
        if shape < 1 {
            // Gamma(a) = Gamma(a + 1) * U^(1/a).
            let u = Double.random(in: Double.leastNonzeroMagnitude..<1, using: &random)
            return gamma(shape + 1, using: &random) * pow(u, 1 / shape)
        }
        let d = shape - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double
            var v: Double
            repeat {
                x = normal(using: &random)
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = Double.random(in: Double.leastNonzeroMagnitude..<1, using: &random)
            if u < 1 - 0.0331 * x * x * x * x { return d * v }
            if log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
        }
    }

    static func normal<R: RandomNumberGenerator>(using random: inout R) -> Double {
        let u1 = Double.random(in: Double.leastNonzeroMagnitude..<1, using: &random)
        let u2 = Double.random(in: 0..<1, using: &random)
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
