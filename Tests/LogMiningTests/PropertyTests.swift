import Foundation
import Testing

@testable import LogMining

/// Property-style tests over generated input: a fixed-seed generator so failures reproduce.
@Suite("LogMining properties")
struct PropertyTests {
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let words = ["connect", "timeout", "retry", "worker", "queue", "flush", "open", "close", "read", "write"]

    @Test("lines that differ only in masked values always land in one template")
    func maskedValuesOneTemplate() throws {
        var random = SplitMix(state: 42)
        for _ in 0..<200 {
            let length = Int.random(in: 1...12, using: &random)
            let shape = (0..<length).map { _ in
                Bool.random(using: &random) ? "#" : Self.words.randomElement(using: &random) ?? "x"
            }
            var miner = try LogMiner(format: nil, masks: ["\\bv[a-z]+\\b"])
            var ids = Set<TemplateID>()
            var matches: [TemplateMatch] = []
            for _ in 0..<10 {
                let line = shape.map {
                    $0 == "#"
                        ? "v"
                            + String(
                                (0..<Int.random(in: 1...6, using: &random)).map { _ in
                                    Character(UnicodeScalar(UInt8.random(in: 97...122, using: &random)))
                                }) : $0
                }.joined(separator: " ")
                matches.append(miner.add(line: line).match)
            }
            for match in matches { ids.insert(miner.miner.current(match).id) }
            #expect(ids.count == 1, "\(shape)")
            #expect(miner.miner.templates.count == 1)
        }
    }

    @Test("lines that differ only in numbers always land in one template")
    func numbersOneTemplate() {
        var random = SplitMix(state: 7)
        for _ in 0..<200 {
            let shape = (0..<Int.random(in: 1...15, using: &random)).map { _ in
                Bool.random(using: &random) ? "#" : Self.words.randomElement(using: &random) ?? "x"
            }
            var miner = TemplateMiner()
            var matches: [TemplateMatch] = []
            for _ in 0..<10 {
                let line = shape.map { $0 == "#" ? String(Int.random(in: 0...100_000, using: &random)) : $0 }
                matches.append(miner.add(line.joined(separator: " ")))
            }
            #expect(Set(matches.map { miner.current($0).id }).count == 1)
        }
    }

    @Test("arbitrary bytes, empty and very long lines never crash and always get a template")
    func arbitraryInput() throws {
        var random = SplitMix(state: 99)
        var miner = try LogMiner(
            format: "<Date> <Time> <Level> <Component>: <Content>", masks: ["(\\d+\\.){3}\\d+", "\\d+"])
        var lines = [
            "", " ", "\t\t", ":", "<*>", "<", "a=", "=b", "=", String(repeating: "x ", count: 100_000),
            String(repeating: "z", count: 200_000), "2024-01-01 10:00:00 INFO c: ", "\u{0}\u{1}\u{7F}",
        ]
        for _ in 0..<500 {
            let bytes = (0..<Int.random(in: 0...300, using: &random)).map { _ in
                UInt8.random(in: 0...255, using: &random)
            }
            lines.append(String(decoding: bytes, as: UTF8.self))
        }
        for line in lines {
            let result = miner.add(line: line)
            #expect(result.match.template.id.rawValue.count == 16)
            #expect(miner.miner.match(miner.masker.mask(result.line.content)) != nil)
        }
        let data = try JSONEncoder().encode(miner.miner)
        let restored = try JSONDecoder().decode(TemplateMiner.self, from: data)
        #expect(restored.templates == miner.miner.templates)
    }

    @Test("every id a miner gave still resolves to a live template")
    func idsResolve() {
        var random = SplitMix(state: 3)
        var miner = TemplateMiner(options: MinerOptions(similarityThreshold: 0.5))
        var given: [TemplateID] = []
        for _ in 0..<2_000 {
            let line = (0..<Int.random(in: 1...6, using: &random)).map { _ in
                Self.words.randomElement(using: &random) ?? "x"
            }
            let match = miner.add(line.joined(separator: " "))
            given.append(match.template.id)
            if let replaced = match.replaced { given.append(replaced) }
        }
        let live = Set(miner.templates.map(\.id))
        for id in given {
            let current = miner.current(id: id)
            #expect(current.map { live.contains($0.id) } == true)
        }
    }
}

@Suite("LogMining properties: restart")
struct RestartPropertyTests {
    static let shapes = [
        "session opened for user # by root", "session closed for user #", "request # served from the cache",
        "worker # finished job 12 in 3 ms", "# connected", "disk # of host # is full again today",
    ]
    static let words = ["ann", "ben", "cat", "dan", "eve", "fay", "GET", "POST", "sda", "sdb"]

    @Test("stopping anywhere, persisting and restoring changes no template and no id", arguments: 0..<8)
    func restartAnywhere(seed: Int) throws {
        var random = PropertyTests.SplitMix(state: UInt64(seed) &* 31 &+ 5)
        let lines = (0..<300).map { _ -> String in
            let shape = Self.shapes.randomElement(using: &random) ?? ""
            return shape.split(separator: "#", omittingEmptySubsequences: false).map(String.init)
                .joined(separator: Self.words.randomElement(using: &random) ?? "x")
        }
        let stop = Int.random(in: 0...lines.count, using: &random)
        var running = TemplateMiner()
        var restarted = TemplateMiner()
        var expected: [TemplateMatch] = []
        var actual: [TemplateMatch] = []
        for line in lines[..<stop] {
            expected.append(running.add(line))
            actual.append(restarted.add(line))
        }
        restarted = try JSONDecoder().decode(TemplateMiner.self, from: JSONEncoder().encode(restarted))
        for line in lines[stop...] {
            expected.append(running.add(line))
            actual.append(restarted.add(line))
        }
        #expect(actual.map(\.template.id) == expected.map(\.template.id))
        #expect(actual.map { restarted.current($0).id } == expected.map { running.current($0).id })
        #expect(restarted.templates == running.templates)
        for match in expected {
            #expect(restarted.current(id: match.template.id) == running.current(id: match.template.id))
        }
    }
}
