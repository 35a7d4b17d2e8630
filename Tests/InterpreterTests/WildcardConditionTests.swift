import Foundation
import GraceDSL
import Testing

@testable import Interpreter

/// Conditions about any kernel (`"*"`) keep their memory per kernel, and `gave_up` reacts to escalation.
@Suite("Wildcard conditions")
struct WildcardConditionTests {
    static func evaluator(_ when: String) throws -> ConditionEvaluator {
        try ConditionEvaluatorTests.evaluator(when)
    }

    @Test("restarts of different kernels are not one kernel's restart loop")
    func restartsPerKernel() throws {
        var e = try Self.evaluator("{restarts: \"*\", count: 3, within: 1m}")
        #expect(e.observe(.kernelRestarting(kernel: "api"), now: .seconds(0)) == nil)
        #expect(e.observe(.kernelRestarting(kernel: "store"), now: .seconds(1)) == nil)
        #expect(e.observe(.kernelRestarting(kernel: "api"), now: .seconds(2)) == nil)
        #expect(e.observe(.kernelRestarting(kernel: "store"), now: .seconds(3)) == nil)
        let fired = e.observe(.kernelRestarting(kernel: "api"), now: .seconds(4))
        #expect(fired == ["kernel": "api", "count": "3"])
        #expect(e.observe(.kernelRestarting(kernel: "worker"), now: .seconds(5)) == nil)
        #expect(e.observe(.kernelRestarting(kernel: "store"), now: .seconds(6))?["kernel"] == "store")
    }

    @Test("log counts are per kernel")
    func logPerKernel() throws {
        var e = try Self.evaluator("{log: \"timeout\", count: 2, within: 1m}")
        #expect(e.observe(.logLine(kernel: "api", stream: "stdout", text: "timeout"), now: .seconds(0)) == nil)
        #expect(e.observe(.logLine(kernel: "store", stream: "stdout", text: "timeout"), now: .seconds(1)) == nil)
        #expect(
            e.observe(.logLine(kernel: "store", stream: "stdout", text: "timeout"), now: .seconds(2))?["kernel"]
                == "store")
    }

    @Test("a held metric threshold is held by one kernel, and the tick names it")
    func metricPerKernel() throws {
        var e = try Self.evaluator("{metric: cpu, kernel: \"*\", above: 90%, for: 10s}")
        #expect(e.observe(.metric(kernel: "api", metric: .cpu, value: 95), now: .seconds(0)) == nil)
        // store's excursion starts later; api dropping back ends only api's.
        #expect(e.observe(.metric(kernel: "store", metric: .cpu, value: 95), now: .seconds(5)) == nil)
        #expect(e.observe(.metric(kernel: "api", metric: .cpu, value: 10), now: .seconds(6)) == nil)
        #expect(e.nextDeadline() == .seconds(15))
        #expect(e.tick(now: .seconds(11)) == nil)
        #expect(e.tick(now: .seconds(15)) == ["kernel": "store", "value": "95"])
    }

    @Test("a trend is one kernel's samples, not a mix")
    func predictPerKernel() throws {
        var e = try Self.evaluator("{predict: memory_rss, kernel: \"*\", above: 1000, within: 10s, window: 1m}")
        // api flat at 100, then store flat at 900: mixed, the jump would forecast far above 1000; each alone is flat.
        for i in 0..<6 {
            let (kernel, value) = i < 3 ? ("api", 100.0) : ("store", 900.0)
            #expect(
                e.observe(.metric(kernel: kernel, metric: .memory_rss, value: value), now: .seconds(Int64(i))) == nil)
        }
        // A real rise of one kernel still fires.
        #expect(
            e.observe(.metric(kernel: "api", metric: .memory_rss, value: 600), now: .seconds(6))?["kernel"] == "api")
    }

    @Test("gave_up fires for the kernel Grace stopped restarting")
    func gaveUp() throws {
        var e = try Self.evaluator("{gave_up: \"*\"}")
        #expect(e.observe(.kernelRestarting(kernel: "api"), now: .zero) == nil)
        let fired = e.observe(.kernelGaveUp(kernel: "api", reason: "more than 5 restarts within 1m"), now: .zero)
        #expect(fired == ["kernel": "api", "reason": "more than 5 restarts within 1m"])
        var one = try Self.evaluator("{gave_up: store}")
        #expect(one.observe(.kernelGaveUp(kernel: "api", reason: "r"), now: .zero) == nil)
        #expect(one.observe(.kernelGaveUp(kernel: "store", reason: "r"), now: .zero)?["kernel"] == "store")
    }

    @Test("the trigger engine routes kernel.gave_up to gave_up triggers")
    func engineRoutesGaveUp() {
        #expect(TriggerEngine.keys(.kernelGaveUp(kernel: "api", reason: "r")).contains("gave_up|api"))
        #expect(TriggerEngine.keys(.kernelGaveUp(kernel: "api", reason: "r")).contains("gave_up|*"))
    }
}
