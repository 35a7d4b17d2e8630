import Foundation
import Testing

@testable import LogMining

/// The NSRegularExpression path (non-ASCII text, or patterns outside the byte engine) has a step budget too.
@Suite("LogMining: bounded regular expressions")
struct BoundedRegexTests {
    static let clock = ContinuousClock()

    @Test("a mask that backtracks exponentially gives up on a line instead of hanging")
    func catastrophicMask() throws {
        let mask = try Mask("(a+)+b")
        let line = String(repeating: "a", count: 40) + " é"
        let start = Self.clock.now
        #expect(mask.replace(in: line) == line)
        #expect(Self.clock.now - start < .seconds(5))
    }

    @Test("a first match that backtracks exponentially gives up, and says so")
    func catastrophicFirstMatch() throws {
        // The format path (LogFormat.split on a line the byte engine does not take) asks this; the fuzzer's case,
        // a lazy group repeated (`<Pid>{6,8}`), is replayed from the regression corpus.
        let regex = try NSRegularExpression(pattern: "(a+)+b")
        let line = String(repeating: "a", count: 40) + " é"
        let start = Self.clock.now
        let (match, gaveUp) = regex.boundedFirstMatch(in: line, range: NSRange(location: 0, length: 42))
        #expect(match == nil && gaveUp)
        #expect(Self.clock.now - start < .seconds(5))
    }

    @Test("within the budget the slow paths answer as NSRegularExpression does, on long lines too")
    func sameAnswers() throws {
        let mask = try Mask("(?<=id=)\\w+")
        let text = (0..<500).map { "id=é\($0) x" }.joined(separator: " ")
        let regex = try NSRegularExpression(pattern: "(?<=id=)\\w+")
        let reference = regex.stringByReplacingMatches(
            in: text, range: NSRange(location: 0, length: (text as NSString).length), withTemplate: "<*>")
        #expect(mask.slowReplace(in: text) == reference)
        let format = try LogFormat("<Date> <Time> (\\[<PID>\\])? <Content>")
        let content = String(repeating: "é ", count: 3_000)
        #expect(format.split("2026-01-01 10:00:00 [12] \(content)")?.fields["PID"] == "12")
    }
}
