import Foundation
import GraceDSL
import Interpreter
import Testing

@testable import Runtime

/// The knowledge base's tables and the recognizer that feeds them, on a real SQLite file.
@Suite("Knowledge base")
struct KnowledgeBaseTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func sighting(_ id: String, kernel: String = "api", count: Int = 1, at offset: TimeInterval = 0)
        -> SightingCount
    {
        SightingCount(
            signature: id, template: "lease lost after <*> retries", severity: .error, kernel: kernel,
            example: "lease lost after 3 retries", count: count, firstSeen: t0.addingTimeInterval(offset),
            lastSeen: t0.addingTimeInterval(offset))
    }

    @Test("sightings add up per signature and per kernel, with first and last seen")
    func sightings() throws {
        try withStore { store in
            try store.recordSightings([Self.sighting("s1", count: 2), Self.sighting("s1", kernel: "store", at: 60)])
            try store.recordSightings([Self.sighting("s1", count: 3, at: 120)])
            let s = try #require(try store.knownSignature("s1"))
            #expect(s.count == 6)
            #expect(s.kernels == ["api": 5, "store": 1])
            #expect(s.firstSeen == Self.t0)
            #expect(s.lastSeen == Self.t0.addingTimeInterval(120))
            #expect(s.severity == .error)
        }
    }

    @Test("outcomes create a learned binding only when asked, and count successes and failures")
    func outcomes() throws {
        try withStore { store in
            try store.recordSightings([Self.sighting("s1")])
            #expect(try store.recordOutcome(signature: "s1", playbook: "p", healed: false, create: false) == nil)
            let learned = try store.recordOutcome(signature: "s1", playbook: "p", healed: true, create: true)
            #expect(learned?.binding == BindingEvidence(playbook: "p", successes: 1))
            #expect(learned?.created == true)
            let failed = try store.recordOutcome(signature: "s1", playbook: "p", healed: false, create: false)
            #expect(failed?.binding == BindingEvidence(playbook: "p", successes: 1, failures: 1))
            #expect(failed?.created == false)
            #expect(try store.allBindings()["s1"] == [BindingEvidence(playbook: "p", successes: 1, failures: 1)])
            #expect(try store.bindings(of: "s1") == [BindingEvidence(playbook: "p", successes: 1, failures: 1)])
            try store.removeBinding(signature: "s1", playbook: "p")
            #expect(try store.allBindings()["s1"] == nil)
        }
    }

    @Test("a generalised template takes over the old id's sightings and bindings")
    func rename() throws {
        try withStore { store in
            try store.recordSightings([Self.sighting("old", count: 2), Self.sighting("new", kernel: "store")])
            try store.recordOutcome(signature: "old", playbook: "p", healed: true, create: true)
            try store.recordOutcome(signature: "new", playbook: "p", healed: true, create: true)
            try store.renameSignature(from: "old", to: "new", template: "lease lost after <*> <*>")
            #expect(try store.knownSignature("old") == nil)
            let s = try #require(try store.knownSignature("new"))
            #expect(s.count == 3)
            #expect(s.kernels == ["api": 2, "store": 1])
            #expect(s.template == "lease lost after <*> <*>")
            #expect(s.bindings == [BindingEvidence(playbook: "p", successes: 2)])
        }
    }

    @Test("declared signatures seed the base with declared bindings, replaced on every seed; forget spares them")
    func declared() throws {
        try withStore { store in
            try store.seedDeclared([("refused", "connection to <*> refused", "error", "restart-kernel")])
            let s = try #require(try store.knownSignature("refused"))
            #expect(s.id == "declared:refused")
            #expect(s.bindings == [BindingEvidence(playbook: "restart-kernel", declared: true)])
            #expect(try store.forgetSignature("declared:refused") == false)
            try store.seedDeclared([("refused", "connection to <*> refused", "error", nil)])
            #expect(try store.knownSignature("refused")?.bindings == [])
            try store.recordSightings([Self.sighting("learned1")])
            #expect(try store.forgetSignature("learned1"))
            #expect(try store.knownSignature("learned1") == nil)
            // A unique prefix finds a signature; an ambiguous one does not.
            try store.recordSightings([Self.sighting("abc123"), Self.sighting("abd456")])
            #expect(try store.knownSignature("abc")?.id == "abc123")
            #expect(try store.knownSignature("ab") == nil)
        }
    }

    static func graph(signatures: String = "") throws -> ExecutionGraph {
        let yaml = """
            kind: kernel
            name: api
            command: [/bin/true]
            logs:
              format: "<Date> <Time> <Level> <Component>: <Content>"
              masks: ['(\\d+\\.){3}\\d+(:\\d+)?']
            ---
            kind: playbook
            name: heal
            params: {kernel: {type: kernel}}
            steps: [{restart: "{{ kernel }}"}]
            \(signatures)
            """
        let result = Compiler(options: CompilerOptions(checkExecutables: false)).compile([
            SourceFile(path: "k.yaml", text: yaml)
        ])
        return try #require(result.graph, "\(result.diagnostics.map(\.message))")
    }

    static func line(_ text: String, level: String = "ERROR") -> LogLine {
        LogLine(kernel: "api", stream: .stdout, text: "2026-11-26 10:00:01,123 \(level) db: \(text)", time: t0)
    }

    @Test("error lines that differ only in their variables are one signature; info lines are not mined")
    func recognise() throws {
        var recognizer = SignatureRecognizer(graph: try Self.graph(), saved: [:], bindings: [:])
        let seenA = recognizer.observe(Self.line("connection to 10.0.0.7:5432 refused after 3 tries"))
        let seenB = recognizer.observe(Self.line("connection to 10.0.0.9:5432 refused after 5 tries"))
        let a = try #require(seenA)
        let b = try #require(seenB)
        #expect(a.signature == b.signature)
        #expect(b.template == "connection to <*> refused after <*> tries")
        #expect(b.content == "connection to 10.0.0.9:5432 refused after 5 tries")
        #expect(b.severity == .error)
        #expect(b.playbook == nil)
        let info = recognizer.observe(Self.line("served 12 requests", level: "INFO"))
        #expect(info == nil)
        let warning = recognizer.observe(Self.line("slow disk", level: "WARN"))
        #expect(warning?.severity == .warning)
        let batch = recognizer.takeBatch()
        #expect(batch.sightings.first { $0.signature == b.signature }?.count == 2)
        #expect(batch.miners.keys.sorted() == ["api"])
        let empty = recognizer.takeBatch()
        #expect(empty.isEmpty)
    }

    @Test("a restored miner gives the same ids, and a bound signature names its playbook")
    func persistence() throws {
        let graph = try Self.graph()
        var first = SignatureRecognizer(graph: graph, saved: [:], bindings: [:])
        let seenA = first.observe(Self.line("cache shard 17 lost its lease"))
        let a = try #require(seenA)
        let saved = first.takeBatch().miners
        var second = SignatureRecognizer(
            graph: graph, saved: saved, bindings: [a.signature: [BindingEvidence(playbook: "heal", successes: 2)]])
        let seenB = second.observe(Self.line("cache shard 4 lost its lease"))
        let b = try #require(seenB)
        #expect(b.signature == a.signature)
        #expect(b.playbook == "heal")
        // A binding to a playbook the graph does not have is not offered.
        var third = SignatureRecognizer(
            graph: graph, saved: saved, bindings: [a.signature: [BindingEvidence(playbook: "gone", successes: 9)]])
        let unbound = third.observe(Self.line("cache shard 5 lost its lease"))
        #expect(unbound != nil)
        #expect(unbound?.playbook == nil)
    }

    @Test("a line a declared signature matches is counted under it and left to the declared trigger")
    func declaredWins() throws {
        let graph = try Self.graph(
            signatures:
                "---\nkind: signature\nname: refused\npattern: \"connection to <*> refused\"\nplaybook: heal\nwith: {kernel: api}"
        )
        var recognizer = SignatureRecognizer(graph: graph, saved: [:], bindings: [:])
        let seen = recognizer.observe(Self.line("connection to 10.0.0.7:5432 refused"))
        #expect(seen == nil)
        let batch = recognizer.takeBatch()
        #expect(batch.sightings.map(\.signature) == ["declared:refused"])
    }

    @Test("a level word is found in lines without a format")
    func levelWord() {
        #expect(SignatureRecognizer.levelWord(in: "[ERROR] disk full") == "ERROR")
        #expect(SignatureRecognizer.levelWord(in: "12:00:01 warn: slow") == "warn")
        #expect(SignatureRecognizer.levelWord(in: "all fine here") == nil)
    }
}

private func withStore(_ body: (StateStore) throws -> Void) throws {
    let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("grace-kb-" + UUID().uuidString)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    try body(try StateStore(path: directory.appendingPathComponent("grace.sqlite").path))
}
