import Foundation
import Testing

@testable import GraceDSL

@Suite("YAML layer")
struct YAMLParserTests {
    let parser = YAMLParser()

    @Test("multi-document files give one tree per document with exact spans")
    func multiDocument() throws {
        let text = "kind: kernel\nname: api\n---\nkind: trigger\nname: t\n"
        let result = parser.parse(text, file: "a.yaml")
        #expect(result.diagnostics.isEmpty)
        #expect(result.documents.count == 2)
        let second = try #require(result.documents[1].root)
        let name = try #require(second.pair("name"))
        #expect(name.value.span.start.line == 5)
        #expect(name.value.span.start.column == 7)
        #expect(name.value.text == "t")
        let bytes = Array(text.utf8)
        let slice = bytes[name.value.span.start.offset..<name.value.span.end.offset]
        #expect(String(decoding: slice, as: UTF8.self) == "t")
    }

    @Test("anchors and aliases expand; tags and styles are kept")
    func anchorsTagsStyles() throws {
        let text = """
            base: &b {every: 2s, timeout: 1s}
            copy: *b
            port: !!str 8080
            quoted: "x"
            block: |
              line
            flow: [a, 'b']
            """
        let result = parser.parse(text, file: "a.yaml")
        #expect(result.diagnostics.isEmpty)
        let root = try #require(result.documents.first?.root)
        let copy = try #require(root["copy"])
        #expect(copy.isAlias)
        #expect(copy["every"]?.text == "2s")
        #expect(copy.span.start.line == 2)
        #expect(root["port"]?.tag == "tag:yaml.org,2002:str")
        #expect(root["port"]?.isQuotedOrString == true)
        #expect(root["quoted"]?.scalar?.style == .doubleQuoted)
        #expect(root["block"]?.scalar?.style == .literal)
        #expect(root["block"]?.text == "line\n")
        #expect(root["flow"]?.sequence?.map { $0.text ?? "" } == ["a", "b"])
    }

    @Test("offsets count bytes, columns count characters, after multi-byte text")
    func unicodeOffsets() throws {
        let text = "note: \"héllo ✓\"\nname: x\n"
        let root = try #require(parser.parse(text, file: "u.yaml").documents.first?.root)
        let name = try #require(root["name"])
        #expect(name.span.start.line == 2)
        #expect(name.span.start.column == 7)
        let bytes = Array(text.utf8)
        #expect(String(decoding: bytes[name.span.start.offset..<name.span.end.offset], as: UTF8.self) == "x")
    }

    @Test("a syntax error is a diagnostic at libyaml's position, with what came before kept")
    func syntaxError() throws {
        let text = "kind: kernel\nname: a\n---\nkind: [a, b\nname: x\n"
        let result = parser.parse(text, file: "bad.yaml")
        #expect(result.documents.count == 1)
        let d = try #require(result.diagnostics.first)
        #expect(d.code == .yamlSyntax)
        #expect(d.span.file == "bad.yaml")
        #expect(d.span.start.line >= 4)
    }

    @Test("a billion-laughs alias bomb is refused, quickly")
    func aliasBomb() throws {
        var text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        var previous = "a"
        for level in ["b", "c", "d", "e", "f", "g", "h", "i"] {
            text +=
                "\(level): &\(level) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
            previous = level
        }
        let result = parser.parse(text, file: "bomb.yaml")
        #expect(result.diagnostics.map(\.code) == [.aliasExpansionLimit])
    }

    @Test("nesting deeper than the limit is refused")
    func deepNesting() {
        let text = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        let result = parser.parse(text, file: "deep.yaml")
        #expect(result.diagnostics.map(\.code) == [.nestingTooDeep])
        let many = String(repeating: "[", count: 100_000)
        #expect(parser.parse(many, file: "deeper.yaml").diagnostics.first?.code == .nestingTooDeep)
    }

    @Test("an undefined alias and a duplicate key are reported")
    func aliasAndDuplicate() {
        #expect(parser.parse("a: *nope\n", file: "x").diagnostics.first?.code == .unknownAnchor)
        let dup = parser.parse("a: 1\nb: 2\na: 3\n", file: "x")
        #expect(dup.diagnostics.map(\.code) == [.duplicateKey])
        #expect(dup.diagnostics.first?.span.start.line == 3)
        #expect(dup.diagnostics.first?.notes.first?.span?.start.line == 1)
    }

    @Test("files over the size limit are refused without parsing")
    func tooLarge() {
        let small = YAMLParser(limits: YAMLLimits(maxFileBytes: 10))
        #expect(small.parse("key: value that is long", file: "x").diagnostics.first?.code == .fileTooLarge)
    }

    // MARK: - Property tests

    /// A random YAML tree, emitted in block or flow style, parses back to the same tree with spans that slice
    /// exactly each scalar's source text.
    @Test("round trip: random trees emitted as YAML parse back to the same tree", arguments: 0..<200)
    func roundTrip(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed))
        let tree = RandomTree.make(depth: 4, rng: &rng)
        let text = RandomTree.emit(tree, indent: 0, flow: seed % 3 == 0)
        let result = parser.parse(text, file: "rt.yaml")
        #expect(result.diagnostics.isEmpty, "\(text)")
        let root = try #require(result.documents.first?.root, "\(text)")
        #expect(RandomTree.from(root) == tree, "\(text)")
        let bytes = Array(text.utf8)
        RandomTree.forEachScalar(root) { node in
            guard node.scalar?.style == .plain else { return }
            let slice = String(decoding: bytes[node.span.start.offset..<node.span.end.offset], as: UTF8.self)
            #expect(slice == node.text)
        }
    }

    @Test("any byte string parses without crashing or hanging", arguments: 0..<300)
    func garbage(seed: Int) {
        var rng = SplitMix64(seed: UInt64(seed) &+ 1000)
        let alphabet = Array("ab:-[]{},&*!|>'\"#\n  \t?%@`{{}}0123456789é")
        let text = String((0..<Int(rng.next() % 200)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
        let result = Compiler(options: CompilerOptions(checkExecutables: false)).compile([
            SourceFile(path: "g", text: text)
        ])
        for d in result.diagnostics {
            #expect(d.span.start.offset <= text.utf8.count)
        }
    }
}

/// A deterministic random number generator for reproducible property tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random trees of mappings, sequences and plain scalars, and a YAML emitter for them.
indirect enum RandomTree: Equatable {
    case scalar(String)
    case list([RandomTree])
    case map([(String, RandomTree)])

    static func == (a: RandomTree, b: RandomTree) -> Bool {
        switch (a, b) {
        case (.scalar(let x), .scalar(let y)): x == y
        case (.list(let x), .list(let y)): x == y
        case (.map(let x), .map(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    static let words = ["api", "store", "30s", "512MiB", "90%", "true", "restart", "x1", "a-b", "http://h:1/p"]

    static func make(depth: Int, rng: inout SplitMix64) -> RandomTree {
        if depth == 0 || rng.next() % 4 == 0 { return .scalar(words[Int(rng.next() % UInt64(words.count))]) }
        let count = Int(rng.next() % 4) + 1
        if rng.next() % 2 == 0 {
            return .list((0..<count).map { _ in make(depth: depth - 1, rng: &rng) })
        }
        var keys: [String] = []
        for i in 0..<count { keys.append("k\(i)\(words[Int(rng.next() % 3)])") }
        return .map(keys.map { ($0, make(depth: depth - 1, rng: &rng)) })
    }

    static func emit(_ tree: RandomTree, indent: Int, flow: Bool) -> String {
        if flow { return flowText(tree) + "\n" }
        let pad = String(repeating: " ", count: indent)
        switch tree {
        case .scalar(let s): return s + "\n"
        case .list(let items):
            return items.map { item in
                switch item {
                case .scalar(let s): return "\(pad)- \(s)\n"
                default: return "\(pad)-\n" + emit(item, indent: indent + 2, flow: false)
                }
            }.joined()
        case .map(let pairs):
            return pairs.map { key, value in
                switch value {
                case .scalar(let s): return "\(pad)\(key): \(s)\n"
                default: return "\(pad)\(key):\n" + emit(value, indent: indent + 2, flow: false)
                }
            }.joined()
        }
    }

    static func flowText(_ tree: RandomTree) -> String {
        switch tree {
        case .scalar(let s): s.contains(":") ? "\"\(s)\"" : s
        case .list(let items): "[" + items.map(flowText).joined(separator: ", ") + "]"
        case .map(let pairs): "{" + pairs.map { "\($0.0): \(flowText($0.1))" }.joined(separator: ", ") + "}"
        }
    }

    static func from(_ node: YAMLNode) -> RandomTree {
        switch node.content {
        case .scalar(let s): .scalar(s.text)
        case .sequence(let items): .list(items.map(from))
        case .mapping(let pairs): .map(pairs.map { ($0.key.text ?? "", from($0.value)) })
        }
    }

    static func forEachScalar(_ node: YAMLNode, _ body: (YAMLNode) -> Void) {
        switch node.content {
        case .scalar: body(node)
        case .sequence(let items): items.forEach { forEachScalar($0, body) }
        case .mapping(let pairs):
            pairs.forEach {
                forEachScalar($0.key, body)
                forEachScalar($0.value, body)
            }
        }
    }
}
