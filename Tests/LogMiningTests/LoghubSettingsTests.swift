import Foundation
import Testing

@testable import LogMining

/// The sixteen Loghub systems' formats and masks as logpai's Drain benchmark declares them (logparser3,
/// `Drain/benchmark.py`): eight of them are not in bench/mine's data, and the miner will meet formats like them.
@Suite("Loghub's sixteen formats and masks")
struct LoghubSettingsTests {
    static let settings: [(system: String, format: String, masks: [String])] = [
        ("HDFS", "<Date> <Time> <Pid> <Level> <Component>: <Content>", ["blk_-?\\d+", "(\\d+\\.){3}\\d+(:\\d+)?"]),
        ("Hadoop", "<Date> <Time> <Level> \\[<Process>\\] <Component>: <Content>", ["(\\d+\\.){3}\\d+"]),
        (
            "Spark", "<Date> <Time> <Level> <Component>: <Content>",
            ["(\\d+\\.){3}\\d+", "\\b[KGTM]?B\\b", "([\\w-]+\\.){2,}[\\w-]+"]
        ),
        (
            "Zookeeper", "<Date> <Time> - <Level>  \\[<Node>:<Component>@<Id>\\] - <Content>",
            ["(/|)(\\d+\\.){3}\\d+(:\\d+)?"]
        ),
        (
            "BGL", "<Label> <Timestamp> <Date> <Node> <Time> <NodeRepeat> <Type> <Component> <Level> <Content>",
            ["core\\.\\d+"]
        ),
        ("HPC", "<LogId> <Node> <Component> <State> <Time> <Flag> <Content>", ["=\\d+"]),
        (
            "Thunderbird",
            "<Label> <Timestamp> <Date> <User> <Month> <Day> <Time> <Location> <Component>(\\[<PID>\\])?: <Content>",
            ["(\\d+\\.){3}\\d+"]
        ),
        ("Windows", "<Date> <Time>, <Level>                  <Component>    <Content>", ["0x.*?\\s"]),
        (
            "Linux", "<Month> <Date> <Time> <Level> <Component>(\\[<PID>\\])?: <Content>",
            ["(\\d+\\.){3}\\d+", "\\d{2}:\\d{2}:\\d{2}"]
        ),
        (
            "Android", "<Date> <Time>  <Pid>  <Tid> <Level> <Component>: <Content>",
            [
                "(/[\\w-]+)+", "([\\w-]+\\.){2,}[\\w-]+",
                "\\b(\\-?\\+?\\d+)\\b|\\b0[Xx][a-fA-F\\d]+\\b|\\b[a-fA-F\\d]{4,}\\b",
            ]
        ),
        ("HealthApp", "<Time>\\|<Component>\\|<Pid>\\|<Content>", []),
        ("Apache", "\\[<Time>\\] \\[<Level>\\] <Content>", ["(\\d+\\.){3}\\d+"]),
        (
            "Proxifier", "\\[<Time>\\] <Program> - <Content>",
            ["<\\d+\\ssec", "([\\w-]+\\.)+[\\w-]+(:\\d+)?", "\\d{2}:\\d{2}(:\\d{2})*", "[KGTM]B"]
        ),
        (
            "OpenSSH", "<Date> <Day> <Time> <Component> sshd\\[<Pid>\\]: <Content>",
            ["(\\d+\\.){3}\\d+", "([\\w-]+\\.){2,}[\\w-]+"]
        ),
        (
            "OpenStack", "<Logrecord> <Date> <Time> <Pid> <Level> <Component> \\[<ADDR>\\] <Content>",
            ["((\\d+\\.){3}\\d+,?)+", "/.+?\\s", "\\d+"]
        ),
        (
            "Mac", "<Month>  <Date> <Time> <User> <Component>\\[<PID>\\]( \\(<Address>\\))?: <Content>",
            ["([\\w-]+\\.){2,}[\\w-]+"]
        ),
    ]

    @Test("every format compiles and every mask runs on the byte engine", arguments: 0..<16)
    func compiles(index: Int) throws {
        let setting = Self.settings[index]
        _ = try LogMiner(format: setting.format, masks: setting.masks)
        for mask in setting.masks {
            #expect(BytePattern(mask) != nil, "\(setting.system): \(mask)")
        }
    }
}
