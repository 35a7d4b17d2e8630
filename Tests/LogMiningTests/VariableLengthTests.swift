import Foundation
import Testing

@testable import LogMining

/// Issue 19: one statement whose values span a varying number of tokens is one template; statements that differ
/// in a constant word are not, whatever their lengths.
@Suite("TemplateMiner: values that span several tokens")
struct VariableLengthTests {
    /// Mines `lines` with the default options and returns each line's final template.
    static func mine(_ lines: [String], options: MinerOptions = .init()) -> [MinedTemplate] {
        var miner = TemplateMiner(options: options)
        let matches = lines.map { miner.add($0) }
        return matches.map { miner.current($0) }
    }

    @Test("a list of names, one to four of them, is one value")
    func listOfNames() {
        let templates = Self.mine([
            "replicating table users to db1.example.com",
            "replicating table users to db1.example.com db2.example.com",
            "replicating table users to db3.example.com db4.example.com db5.example.com web-1.example.org",
            "replicating table users to 10.0.0.7, 10.0.0.8",
        ])
        #expect(Set(templates.map(\.id)).count == 1)
        #expect(templates.last?.text == "replicating table users to <*>")
    }

    @Test("a path with spaces in it is one value")
    func pathWithSpaces() {
        let templates = Self.mine([
            #"cannot open C:\grace\grace.yaml: access denied"#,
            #"cannot open C:\Program Files\Grace\grace.yaml: access denied"#,
            "cannot open /home/ann/My Documents/grace.yaml: access denied",
            "cannot open /srv/a b/c d/grace.yaml: access denied",
        ])
        #expect(Set(templates.map(\.id)).count == 1)
        #expect(templates.last?.text == "cannot open <*> access denied")
    }

    @Test("an optional clause of values next to a value joins it")
    func optionalValueClause() {
        let templates = Self.mine([
            "login failed for ann from 10.0.0.7",
            "login failed for ann from 10.0.0.7 (10.0.0.1:3128)",
            "login failed for ann from 10.0.0.9 [::1]:22 #3",
            "backup finished at 1714557600 after 3 tries",
            "backup finished at Wed May 1 10:00:00 2024 after 3 tries",
            "backup finished at 2024-05-01 10:00:00.123 +0200 after 5 tries",
        ])
        #expect(templates[0].id == templates[1].id)
        #expect(templates[0].id == templates[2].id)
        #expect(templates[3].id == templates[4].id)
        #expect(templates[3].id == templates[5].id)
        #expect(templates[5].text == "backup finished at <*> after <*> tries")
    }

    @Test("statements that share words but differ in a constant word stay apart, whatever their lengths")
    func differentStatements() {
        let templates = Self.mine([
            "connection to 10.0.0.7:5432 refused",
            "connection to 10.0.0.7:5432 was reset by peer",
            "connection to 10.0.0.8:5432 10.0.0.9:5432 was reset by peer",
            "request 17 served",
            "request 18 served from cache",
            "Failed password for root from 10.0.0.7 port 22 ssh2",
            "Failed password for invalid user test from 10.0.0.7 port 22 ssh2",
            "Connection closed by 10.0.0.7",
            "Connection closed by 10.0.0.7 [preauth]",
        ])
        #expect(templates[1].id == templates[2].id)
        let apart = [0, 1, 3, 4, 5, 6, 7, 8].map { templates[$0].id }
        #expect(Set(apart).count == apart.count)
    }

    @Test("lines with no constant token are told apart by their length")
    func onlyValues() {
        let templates = Self.mine(["10.0.0.7", "10.0.0.7 22", "10.0.0.7 22 3", "10.0.0.8 23"])
        #expect(templates[1].id == templates[3].id)
        #expect(Set(templates.prefix(3).map(\.id)).count == 3)
        #expect(templates[2].text == "<*> <*> <*>")
    }

    @Test("the variable-length template's id is the hash of its text, the same in every miner")
    func stableIDs() {
        let lines = [
            "replicating table users to db1.example.com db2.example.com",
            "replicating table users to db1.example.com",
            "cannot open C:\\Program Files\\Grace\\grace.yaml: access denied",
        ]
        let first = Self.mine(lines)
        let second = Self.mine(lines.reversed()).reversed()
        #expect(first.map(\.id) == second.map(\.id))
        #expect(first[0].id == TemplateID(templateText: "replicating table users to <*>"))
        #expect(first[0].id.rawValue == "ab2067de1a13dd2c")
    }

    @Test("a miner persisted before multi-token values existed goes on grouping as it did, with the same ids")
    func persistedBeforeTheOption() throws {
        let json =
            #"{"version":1,"options":{"similarityThreshold":0.95,"digitTokensAreVariables":true,"#
            + #""distinctValuesForVariable":5,"sharedWords":true},"clusters":[{"tokens":["open","<*>","<*>","done"],"#
            + #""text":"open <*> <*> done","id":"\#(TemplateID(templateText: "open <*> <*> done"))","count":1,"#
            + #""bucket":"4 open"}],"seen":{"open <*> <*> done":0}}"#
        var miner = try JSONDecoder().decode(TemplateMiner.self, from: Data(json.utf8))
        #expect(miner.options.multiTokenValues == false)
        let match = miner.add("open 10.0.0.7 22 done")
        #expect(match.template.text == "open <*> <*> done")
        #expect(!match.isNew)
        var fresh = TemplateMiner()
        #expect(fresh.add("open 10.0.0.7 22 done").template.text == "open <*> done")
    }

    @Test("with the option off, widths split templates as before")
    func optionOff() {
        let templates = Self.mine(
            ["cannot open C:\\grace.yaml", "cannot open C:\\Program Files\\grace.yaml"],
            options: MinerOptions(multiTokenValues: false))
        #expect(templates[0].id != templates[1].id)
    }
}
