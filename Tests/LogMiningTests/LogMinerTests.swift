import Foundation
import Testing

@testable import LogMining

@Suite("LogMiner: format, masks and miner for one kernel")
struct LogMinerTests {
    @Test("split, mask and mine: values vary, the template holds")
    func endToEnd() throws {
        var miner = try LogMiner(
            format: "<Date> <Time> <Level> <Component>: <Content>", masks: ["(\\d+\\.){3}\\d+(:\\d+)?"])
        let a = miner.add(line: "2024-05-01 10:00:00 ERROR db: connection to 10.0.0.7:5432 refused after 3 tries")
        let b = miner.add(line: "2024-05-01 10:00:09 ERROR db: connection to 10.0.0.9:5432 refused after 5 tries")
        #expect(a.line.level == "ERROR")
        #expect(a.line.fields["Component"] == "db")
        #expect(a.match.template.id == b.match.template.id)
        #expect(b.match.template.text == "connection to <*> refused after <*> tries")
        #expect(
            miner.match(line: "2024-05-02 11:00:00 ERROR db: connection to 10.1.1.1:1 refused after 9 tries")
                .template?.id == a.match.template.id)
    }

    @Test("without a format, or when a line does not match it, the whole line is the message")
    func wholeLine() throws {
        var plain = try LogMiner(format: nil, masks: [])
        #expect(plain.add(line: "hello world").line.content == "hello world")
        var formatted = try LogMiner(format: "<Level>: <Content>", masks: [])
        let result = formatted.add(line: "no colon here")
        #expect(result.line.content == "no colon here")
        #expect(result.line.fields.isEmpty)
    }

    @Test("bad formats and masks are reported as LogMiningError")
    func errors() {
        #expect(throws: LogMiningError.self) { try LogMiner(format: "nothing", masks: []) }
        #expect(throws: LogMiningError.self) { try LogMiner(format: nil, masks: ["[a-"]) }
    }

    @Test("lines split at \\n, \\r\\n and a lone \\r; CSV fields are quoted when needed")
    func text() {
        #expect(LogText.lines(Data("a\nb\r\nc\rd".utf8)) == ["a", "b", "c", "d"])
        #expect(LogText.lines(Data("a\n\nb\n".utf8)) == ["a", "", "b"])
        #expect(LogText.lines(Data()) == [])
        #expect(LogText.csvField("a, \"b\"") == "\"a, \"\"b\"\"\"")
        #expect(LogText.csvField("plain <*>") == "plain <*>")
        let a = MinedTemplate(text: "a, <*>", count: 2)
        let b = MinedTemplate(text: "b", count: 1)
        let csv = String(decoding: LogText.csv([a, b, a]), as: UTF8.self)
        #expect(
            csv == "LineId,EventId,EventTemplate\n1,\(a.id),\"a, <*>\"\n2,\(b.id),b\n3,\(a.id),\"a, <*>\"\n")
        #expect(LogText.csvRow(lineID: 3, template: a) == "3,\(a.id),\"a, <*>\"")
    }
}
