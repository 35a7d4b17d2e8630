import Foundation
import Testing

@testable import LogMining

@Suite("LogFormat: logpai-style line formats")
struct LogFormatTests {
    /// The eight Loghub-2k formats (bench/mine's settings.json) with a real line of each.
    static let shipped: [(format: String, line: String, fields: [String: String])] = [
        (
            "<Date> <Time> <Pid> <Level> <Component>: <Content>",
            "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865 terminating",
            [
                "Date": "081109", "Pid": "148", "Level": "INFO", "Component": "dfs.DataNode$PacketResponder",
                "Content": "PacketResponder 1 for block blk_38865 terminating",
            ]
        ),
        (
            "<Date> <Time> <Level> \\[<Process>\\] <Component>: <Content>",
            "2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created MRAppMaster",
            [
                "Time": "18:01:47,978", "Process": "main",
                "Component": "org.apache.hadoop.mapreduce.v2.app.MRAppMaster",
                "Content": "Created MRAppMaster",
            ]
        ),
        (
            "<Date> <Time> <Level> <Component>: <Content>",
            "17/06/09 20:10:40 INFO executor.CoarseGrainedExecutorBackend: Registered signal handlers for [TERM, HUP]",
            ["Level": "INFO", "Content": "Registered signal handlers for [TERM, HUP]"]
        ),
        (
            "<Label> <Timestamp> <Date> <Node> <Time> <NodeRepeat> <Type> <Component> <Level> <Content>",
            "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO "
                + "instruction cache parity error corrected",
            ["Label": "-", "Type": "RAS", "Level": "INFO", "Content": "instruction cache parity error corrected"]
        ),
        (
            "<Month> <Date> <Time> <Level> <Component>(\\[<PID>\\])?: <Content>",
            "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown",
            [
                "Month": "Jun", "Level": "combo", "Component": "sshd(pam_unix)", "PID": "19939",
                "Content": "check pass; user unknown",
            ]
        ),
        (
            "<Time>\\|<Component>\\|<Pid>\\|<Content>",
            "20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579",
            ["Component": "Step_LSC", "Pid": "30002312", "Content": "onStandStepChanged 3579"]
        ),
        (
            "<Logrecord> <Date> <Time> <Pid> <Level> <Component> \\[<ADDR>\\] <Content>",
            "nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:00:00.008 25746 INFO nova.osapi_compute.wsgi.server "
                + "[req-38101a0b - - -] 10.11.10.1 \"GET /v2/servers/detail HTTP/1.1\" status: 200",
            [
                "Pid": "25746", "ADDR": "req-38101a0b - - -",
                "Content": "10.11.10.1 \"GET /v2/servers/detail HTTP/1.1\" status: 200",
            ]
        ),
        (
            "\\[<Time>\\] \\[<Level>\\] <Content>",
            "[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties",
            [
                "Time": "Sun Dec 04 04:47:44 2005", "Level": "notice",
                "Content": "workerEnv.init() ok /etc/httpd/conf/workers2.properties",
            ]
        ),
    ]

    @Test("the eight Loghub formats split their lines into the expected fields", arguments: 0..<8)
    func shippedFormats(index: Int) throws {
        let sample = Self.shipped[index]
        let format = try LogFormat(sample.format)
        let line = try #require(format.split(sample.line), "\(sample.format) did not match \(sample.line)")
        for (name, value) in sample.fields {
            #expect(line.fields[name] == value, "field \(name)")
        }
        #expect(line.content == sample.fields["Content"])
        #expect(Set(format.fieldNames) == Set(line.fields.keys).union(format.fieldNames))
    }

    @Test("the optional group of a regex format may be absent")
    func optionalGroup() throws {
        let format = try LogFormat("<Month> <Date> <Time> <Level> <Component>(\\[<PID>\\])?: <Content>")
        let line = try #require(format.split("Jun 15 04:06:18 combo su(pam_unix): session opened for user cyrus"))
        #expect(line.fields["Component"] == "su(pam_unix)")
        #expect(line.fields["PID"] == nil)
        #expect(line.content == "session opened for user cyrus")
    }

    @Test("runs of whitespace match a space, the line is trimmed, and the level is found")
    func whitespace() throws {
        let format = try LogFormat("<Date> <Time> <Level> <Component>: <Content>")
        let line = try #require(format.split("  2024-01-01 \t 10:00:00   ERROR  db: pool   exhausted \r"))
        #expect(line.fields["Date"] == "2024-01-01")
        #expect(line.level == "ERROR")
        #expect(line.fields["Component"] == "db")
        #expect(line.content == "pool   exhausted")
    }

    @Test("a line that does not match is nil, not a guess")
    func noMatch() throws {
        let format = try LogFormat("<Date> <Time> <Level> <Component>: <Content>")
        #expect(format.split("just words") == nil)
        #expect(format.split("") == nil)
        let bracketed = try LogFormat("\\[<Time>\\] \\[<Level>\\] <Content>")
        #expect(bracketed.split("[Sun Dec 04] notice without brackets") == nil)
    }

    @Test("a failing line of many fields does not take exponential time")
    func pathological() throws {
        // No wall-clock limit (shared machines): exponential backtracking would not finish at all, so finishing
        // with the right answer is the test.
        let format = try LogFormat("<A> <B> <C> <D> <E> <F> <G>: <Content>")
        #expect(format.split(String(repeating: "a ", count: 2_000)) == nil)
        #expect(format.split(String(repeating: "a ", count: 100_000)) == nil)
    }

    @Test("formats without placeholders, with a duplicate field or a bad regex are refused with a reason")
    func invalid() {
        #expect(throws: LogMiningError.self) { try LogFormat("no placeholders") }
        #expect(throws: LogMiningError.self) { try LogFormat("<A> <A>") }
        #expect(throws: LogMiningError.self) { try LogFormat("<A> (<B> <Content>") }
        do {
            _ = try LogFormat("<A> (<B> <Content>")
        } catch {
            #expect(String(describing: error).contains("<A> (<B> <Content>"))
        }
    }
}

@Suite("LogFormat: the fast splitters agree with NSRegularExpression")
struct LogFormatDifferentialTests {
    static let formats = [
        "<Date> <Time> <Level> <Component>: <Content>",
        "<Month> <Date> <Time> <Level> <Component>(\\[<PID>\\])?: <Content>",
        "<Date> <Time> - <Level>  \\[<Node>:<Component>@<Id>\\] - <Content>",
        "\\[<Time>\\] <Program> - <Content>",
        "<Time>\\|<Component>\\|<Pid>\\|<Content>",
        "<A><B> <Content>",
    ]
    static let pieces = [
        " ", "  ", "\t", ":", ": ", "[", "]", "[12]", "|", "-", " - ", "@", "a", "bc", "INFO", "x:y", "(p)", "<*>",
    ]

    @Test("an escaped space means what logpai makes of it, a backslash then s's, on every path")
    func escapedSpace() throws {
        let format = try LogFormat("<Level> \\[<Thread>\\ <Content>")
        for line in ["INFO [main] started", "INFO [main\\sss started", "INFO [main]\\s started"] {
            #expect(format.split(line)?.fields == format.referenceSplit(line), "\(line)")
        }
        #expect(format.split("INFO [main\\sss started")?.content == " started")
    }

    @Test("random lines split the same way by every path", arguments: 0..<6)
    func agree(index: Int) throws {
        let format = try LogFormat(Self.formats[index])
        var random = PropertyTests.SplitMix(state: UInt64(index) + 11)
        for _ in 0..<1_500 {
            let line = (0..<Int.random(in: 0...14, using: &random)).map { _ in
                Self.pieces.randomElement(using: &random) ?? ""
            }.joined()
            let fast = format.split(line)?.fields
            #expect(fast == format.referenceSplit(line), "\(Self.formats[index]) on \(line)")
        }
    }
}
