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

    @Test("a value that is there in some lines and not in others: the same constant words make one statement")
    func optionalValues() {
        var miner = TemplateMiner()
        let first = miner.add("conn 7 close, 0 bytes sent, 0 bytes received, lifetime 00:00")
        let second = miner.add("conn 8 close, 1190 bytes (1.16 KB) sent, 1671 bytes (1.63 KB) received, lifetime 00:02")
        let third = miner.add("conn 9 close, 403 bytes sent, 1671 bytes (1.63 KB) received, lifetime 00:01")
        let text = "conn <*> close, <*> bytes <*> sent, <*> bytes <*> received, lifetime <*>"
        #expect(miner.current(third).text == text)
        #expect(Set([first, second, third].map { miner.current($0).id }).count == 1)
        // Each widening renames the template, and says so: the old ids resolve to the new one.
        #expect(second.replaced == first.template.id)
        #expect(miner.current(id: first.template.id)?.text == text)
        #expect(miner.templates.count == 1)
        // Without the option, each layout of values is its own template.
        let apart = Self.mine(
            ["conn 7 close, 0 bytes sent", "conn 8 close, 1190 bytes (1.16 KB) sent"],
            options: MinerOptions(optionalValues: false))
        #expect(apart[0].id != apart[1].id)
    }

    @Test("one constant word is not enough to group lines whose values are elsewhere")
    func oneWordIsNotAStatement() {
        let templates = Self.mine(["10.0.0.7 done", "done 10.0.0.7", "done"])
        #expect(Set(templates.map(\.id)).count == 3)
    }

    @Test("a template that generalises into the words of another becomes one template with it")
    func generalisedIntoAnother() {
        var miner = TemplateMiner()
        let named = ["alpha", "beta", "gamma", "delta"].map { miner.add("job \($0) of queue main finished") }
        let counted = miner.add("job 17 of queue main finished 3")
        #expect(Set((named + [counted]).map { miner.current($0).id }).count == 5)
        // A fifth name makes the name a variable: `job <*> of queue main finished`, the words of the counted one.
        let fifth = miner.add("job epsilon of queue main finished")
        #expect(miner.current(fifth).text == "job <*> of queue main finished <*>")
        #expect(Set((named + [counted, fifth]).map { miner.current($0).id }).count == 1)
        for match in named { #expect(miner.current(id: match.template.id)?.id == miner.current(fifth).id) }
        #expect(miner.templates.count == 1)
    }

    @Test("a key=value word that varies keeps its key: it does not become the optional value of another statement")
    func keyStaysWhenItVaries() {
        var miner = TemplateMiner()
        let bare = miner.add("authentication failure; logname= uid=0 tty=ssh ruser= rhost=10.0.0.7")
        let users = ["root", "test", "guest", "admin", "oracle"].map {
            miner.add("authentication failure; logname= uid=0 tty=ssh ruser= rhost=10.0.0.7 user=\($0)")
        }
        let final = miner.current(users[0])
        #expect(final.text == "authentication failure; logname= uid=<*> tty=ssh ruser= rhost=<*> user=<*>")
        #expect(Set(users.map { miner.current($0).id }) == [final.id])
        #expect(miner.current(bare).id != final.id)
        let next = miner.add("authentication failure; logname= uid=0 tty=ssh ruser= rhost=10.0.0.9 user=ann")
        #expect(next.template.id == final.id)
        #expect(!next.isNew)
    }

    @Test("a restored miner joins values of other widths exactly as the running one")
    func persistence() throws {
        let before = [
            "conn 7 close, 0 bytes sent", "replicating table users to db1.example.com",
            "job alpha of queue main finished", "job 17 of queue main finished 3",
        ]
        let after = [
            "conn 8 close, 1190 bytes (1.16 KB) sent", "replicating table users to db2.example.com db3.example.com",
            "job beta of queue main finished", "job gamma of queue main finished", "job delta of queue main finished",
            "job epsilon of queue main finished", "conn 9 close, 3 bytes sent",
        ]
        var running = TemplateMiner()
        for line in before { _ = running.add(line) }
        var restored = try JSONDecoder().decode(TemplateMiner.self, from: JSONEncoder().encode(running))
        for line in after { #expect(restored.add(line) == running.add(line), "\(line)") }
        #expect(restored.templates == running.templates)
        #expect(running.templates.count == 3)
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
            options: MinerOptions(multiTokenValues: false, optionalValues: false))
        #expect(templates[0].id != templates[1].id)
    }
}

@Suite("MinedTemplate.regularExpression: what a template covers, for a signature")
struct TemplateRegexTests {
    static func matches(_ template: String, _ line: String) -> Bool {
        let pattern = MinedTemplate(text: template, count: 0).regularExpression
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return false }
        return regex.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil
    }

    @Test(
        "a <*> takes any number of whole tokens, a <*> inside a token any characters but spaces",
        arguments: [
            ("cannot open <*> access denied", "cannot open C:\\Program Files\\x.yaml: access denied", true),
            ("cannot open <*> access denied", "cannot open access denied", true),
            ("cannot open <*> access denied", "cannot open x access refused", false),
            ("<*> close, <*> bytes <*> sent", "chrome.exe *64 close, 1190 bytes (1.16 KB) sent", true),
            ("<*> close, <*> bytes <*> sent", "close, 0 bytes sent", true),
            ("<*> close, <*> bytes <*> sent", "a close, 0 bytes sent now", false),
            ("user=<*> logged in from <*>", "user=ann logged in from 10.0.0.1 (10.0.0.2)", true),
            ("user=<*> logged in from <*>", "uid=ann logged in from 10.0.0.1", false),
            ("replicating to <*>", "replicating to", true),
            ("<*>", "anything at all", true),
            ("a.b (c) [d]", "a.b (c) [d]", true),
            ("a.b (c) [d]", "axb (c) [d]", false),
        ])
    func regex(template: String, line: String, expected: Bool) {
        #expect(Self.matches(template, line) == expected, "\(template) ~ \(line)")
    }
}
