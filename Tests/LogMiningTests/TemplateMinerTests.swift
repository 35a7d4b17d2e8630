import Foundation
import Testing

@testable import LogMining

@Suite("TemplateMiner: online grouping, stable ids, persistence")
struct TemplateMinerTests {
    @Test("a template's id is a hash of its text: the same value on any machine")
    func stableID() {
        #expect(TemplateID(templateText: "connection from <*> refused").rawValue == "687e2d6359daec53")
        #expect(TemplateID(templateText: "a").rawValue.count == 16)
        #expect(TemplateID(templateText: "a") != TemplateID(templateText: "b"))
    }

    @Test("two miners fed the same lines give the same ids")
    func sameIDsAcrossMiners() {
        let lines = ["disk sda1 full", "connection from 10.0.0.7 refused", "disk sdb2 full", "worker alpha started"]
        var a = TemplateMiner()
        var b = TemplateMiner()
        let idsA = lines.map { a.add($0).template.id }
        let idsB = lines.map { b.add($0).template.id }
        #expect(idsA == idsB)
        #expect(a.templates == b.templates)
    }

    @Test("lines differing only in numbers, addresses and paths share a template")
    func variables() {
        var miner = TemplateMiner()
        let first = miner.add("connection to 10.0.0.7:5432 refused after 3 tries")
        let second = miner.add("connection to 10.0.0.9:5432 refused after 5 tries")
        #expect(first.isNew)
        #expect(!second.isNew)
        #expect(first.template.id == second.template.id)
        #expect(second.template.text == "connection to <*> refused after <*> tries")
        #expect(second.template.count == 2)
        let paths = [miner.add("cannot open /var/lib/a.db"), miner.add("cannot open /srv/b.db")]
        #expect(paths[0].template.id == paths[1].template.id)
    }

    @Test("different words make different templates")
    func distinctEvents() {
        var miner = TemplateMiner()
        let get = miner.add("request GET <*> status <*>")
        let post = miner.add("request POST <*> status <*>")
        #expect(get.template.id != post.template.id)
        #expect(miner.templates.count == 2)
    }

    @Test("a line that generalises a template reports the id it replaced")
    func replaced() {
        var miner = TemplateMiner(options: MinerOptions(similarityThreshold: 0.8))
        let first = miner.add("worker pool of the api server is exhausted again now")
        let second = miner.add("worker pool of the web server is exhausted again now")
        #expect(second.replaced == first.template.id)
        #expect(second.template.text == "worker pool of the <*> server is exhausted again now")
        #expect(miner.current(first).id == second.template.id)
        #expect(miner.current(id: first.template.id)?.id == second.template.id)
        let third = miner.add("worker pool of the db server is exhausted again now")
        #expect(third.replaced == nil)
        #expect(third.template.id == second.template.id)
        #expect(miner.templates.count == 1)
    }

    @Test("a word that varies among five otherwise equal templates becomes a variable; fewer stay apart")
    func distinctValues() {
        var miner = TemplateMiner()
        let verbs = ["GET", "POST", "DELETE"].map { miner.add("request \($0) handled by the api server") }
        #expect(Set(verbs.map { miner.current($0).id }).count == 3)
        let users = ["alice", "bob", "carol", "dave"].map { miner.add("session opened for user \($0) by sshd") }
        #expect(Set(users.map { miner.current($0).id }).count == 4)
        let fifth = miner.add("session opened for user erin by sshd")
        #expect(fifth.template.text == "session opened for user <*> by sshd")
        #expect(Set(fifth.merged) == Set(users.map(\.template.id)))
        for match in users { #expect(miner.current(match).id == fifth.template.id) }
        for match in users { #expect(miner.current(id: match.template.id)?.id == fifth.template.id) }
        #expect(miner.add("session opened for user frank by sshd").template.id == fifth.template.id)
        var off = TemplateMiner(options: MinerOptions(distinctValuesForVariable: 0))
        let apart = ["a", "b", "c", "d", "e", "f"].map { off.add("session opened for user \($0) by sshd") }
        #expect(Set(apart.map { off.current($0).id }).count == 6)
    }

    @Test("words that fill the slot of two different events are names: both events get a variable there")
    func sharedWords() {
        var miner = TemplateMiner()
        let opened = ["cyrus", "news", "test"].map { miner.add("session opened for user \($0) by root") }
        let closed = ["cyrus", "news"].map { miner.add("session closed for user \($0)") }
        #expect(Set(opened.map { miner.current($0).id }).count == 3)
        #expect(Set(closed.map { miner.current($0).id }).count == 2)
        let last = miner.add("session closed for user test")
        #expect(miner.current(opened[0]).text == "session opened for user <*> by root")
        #expect(Set(opened.map { miner.current($0).id }).count == 1)
        #expect(miner.current(closed[0]).text == "session closed for user <*>")
        #expect(miner.current(last).id == miner.current(closed[1]).id)
        #expect(Set(last.merged).isSuperset(of: Set(opened.map(\.template.id))))
        // Two words in common are not enough: `started`/`stopped` end two events of each of two families.
        let a = ["started", "stopped"].map { miner.add("the indexing service was \($0)") }
        let b = ["started", "stopped"].map { miner.add("worker pool for queue jobs \($0)") }
        #expect(Set((a + b).map { miner.current($0).id }).count == 4)
    }

    @Test("the memory of token sequences is bounded and forgetting it keeps the templates")
    func boundedMemory() {
        var miner = TemplateMiner()
        miner.seenLimit = 10
        let first = miner.add("worker alpha pool exhausted after the long spike")
        for word in ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"] {
            _ = miner.add("cache \(word) evicted")
        }
        #expect(miner.seen.count <= 10)
        #expect(miner.add("worker alpha pool exhausted after the long spike").template.id == first.template.id)
    }

    @Test("a match from another miner is answered from its own template, not followed blindly")
    func foreignMatch() {
        var big = TemplateMiner()
        for word in ["a", "b", "c", "d", "e", "f", "g"] { _ = big.add("only \(word) here") }
        let foreign = big.add("the last one")
        let small = TemplateMiner()
        #expect(small.current(foreign) == foreign.template)
    }

    @Test("match looks up without learning")
    func matchDoesNotLearn() {
        var miner = TemplateMiner()
        _ = miner.add("disk sda1 full")
        #expect(miner.match("disk sdz9 full")?.text == "disk <*> full")
        #expect(miner.match("something else entirely") == nil)
        #expect(miner.templates.count == 1)
        #expect(miner.templates.first?.count == 1)
    }

    @Test("a miner encoded, decoded and continued gives the same ids as one that never stopped")
    func persistence() throws {
        let before =
            (0..<50).map { "job \($0) finished in \($0 * 3) ms on node n\($0 % 4)" } + ["cache warm"]
            + ["ann", "ben", "cat"].map { "login accepted for user \($0) from the console" }
        let after = [
            "job 7 finished in 2 ms on node n1", "cache warm", "cache cold", "job x failed",
            "login accepted for user dan from the console", "login accepted for user eve from the console",
            "login accepted for user fay from the console",
        ]
        var running = TemplateMiner()
        for line in before { _ = running.add(line) }
        let data = try JSONEncoder().encode(running)
        var restored = try JSONDecoder().decode(TemplateMiner.self, from: data)
        #expect(restored.templates == running.templates)
        for line in after {
            #expect(restored.add(line) == running.add(line), "\(line)")
        }
        #expect(restored.templates == running.templates)
        let again = try JSONDecoder().decode(TemplateMiner.self, from: JSONEncoder().encode(restored))
        #expect(again.templates.map(\.id) == running.templates.map(\.id))
    }

    @Test("ids survive encode/decode exactly")
    func codableIDs() throws {
        let template = MinedTemplate(text: "cache <*> miss", count: 3)
        let decoded = try JSONDecoder().decode(MinedTemplate.self, from: JSONEncoder().encode(template))
        #expect(decoded == template)
        #expect(String(decoding: try JSONEncoder().encode(template.id), as: UTF8.self) == "\"\(template.id)\"")
    }

    @Test("corrupt persisted state is an error, not a crash")
    func corrupt() {
        let json =
            #"{"version":1,"options":{"similarityThreshold":0.9,"digitTokensAreVariables":true},"#
            + #""clusters":[{"tokens":["a"],"text":"a","id":"x","count":1,"mergedInto":5,"bucket":"1 a"}],"seen":{}}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(TemplateMiner.self, from: Data(json.utf8)) }
    }
}
