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

    @Test(
        "a lone carriage return, NEL, LS and PS end a line for libyaml, and spans after them still point at their text",
        arguments: ["\r", "\u{85}", "\u{2028}", "\u{2029}"])
    func lineBreaksLibyamlCounts(_ lineBreak: String) throws {
        // Non-ASCII, so that offsets come from lines and columns; the break inside a quoted scalar.
        let text = "# é\na: \"x\(lineBreak)y\"\nname: x\n"
        let root = try #require(parser.parse(text, file: "u.yaml").documents.first?.root)
        let name = try #require(root["name"])
        let bytes = Array(text.utf8)
        #expect(name.span.start.offset <= name.span.end.offset && name.span.end.offset <= bytes.count)
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

    /// One of libyaml's error paths: the input, where the diagnostic must point (line:column), a word its message
    /// must contain, and where its note must point (nil: no located note).
    struct SyntaxCase: Sendable, CustomTestStringConvertible {
        var name: String
        var text: String
        var at: String
        var says: String
        var note: String?
        var testDescription: String { name }
    }

    static let syntaxCases: [SyntaxCase] = [
        // Left open: at the opening bracket or quote, with where the parser gave up as the note.
        SyntaxCase(
            name: "unclosed [ before the next key",
            text: "kind: kernel\nname: api\ncommand: [/bin/sh, -c\nports: [8081]\n",
            at: "3:10", says: "flow sequence is never closed", note: "4:6"),
        SyntaxCase(
            name: "unclosed [ at the end of the file", text: "kind: kernel\nname: api\ncommand: [/bin/sh, -c\n",
            at: "3:10", says: "never closed", note: "4:1"),
        SyntaxCase(
            name: "unclosed { before the next key", text: "kind: kernel\nhealth: {http: x, every: 2s\nports: [1]\n",
            at: "2:9", says: "flow mapping is never closed", note: "3:6"),
        SyntaxCase(
            name: "outer [ unclosed, inner closed", text: "a: [b, [c, d]\n", at: "1:4", says: "never closed",
            note: "2:1"),
        SyntaxCase(
            name: "unclosed [ not closed by a later document", text: "kind: a\n---\nl: [1, 2\n---\nm: [3]\n",
            at: "3:4", says: "never closed", note: "4:1"),
        SyntaxCase(
            name: "unclosed double quote", text: "kind: kernel\ndescription: \"the API\ncommand: [/bin/true]\n",
            at: "2:14", says: "double-quoted string is never closed", note: "4:1"),
        SyntaxCase(
            name: "unclosed single quote", text: "kind: kernel\ndescription: 'the API\ncommand: [/bin/true]\n",
            at: "2:14", says: "single-quoted string is never closed", note: "4:1"),
        SyntaxCase(
            name: "quote running into a document marker", text: "kind: kernel\ndescription: \"the API\n---\nkind: x\n",
            at: "2:14", says: "never closed", note: "3:1"),
        // The scanner cannot read on (`>` starts no token in a flow collection): unclosed when it fails on a
        // later line than the bracket, closed when on the same line.
        SyntaxCase(
            name: "unclosed [ before a folded scalar", text: "kind: a\nx: [a, b\ndescription: >-\n  text\n",
            at: "2:4", says: "never closed", note: "3:12"),
        SyntaxCase(
            name: "closed [ with a missing comma and a stray >", text: "a: [\"c\" \"d\", e, f, >x]\n", at: "1:9",
            says: "expected ',' or ']'", note: "1:4"),
        // A key without its `:`: at the key, not at the line where the scanner noticed.
        SyntaxCase(
            name: "key without colon", text: "kind: kernel\nname api\ncommand: x\n", at: "2:1",
            says: "expected ':' after this key", note: "3:1"),
        SyntaxCase(
            name: "key longer than 1024 characters",
            text: "kind: kernel\n" + String(repeating: "k", count: 1100) + ": x\n",
            at: "2:1", says: "expected ':'", note: "2:1101"),
        // The defect is where the parser gave up; the construct it was in is the note.
        SyntaxCase(
            name: "missing comma in a closed sequence", text: "command: [a, \"b\" c]\nx: 1\n", at: "1:18",
            says: "did not find expected ',' or ']'", note: "1:10"),
        SyntaxCase(
            name: "missing comma in a multi-line sequence", text: "command: [\n  \"a\"\n  \"b\"\n]\n", at: "3:3",
            says: "did not find expected", note: "1:10"),
        SyntaxCase(
            name: "mismatched closer", text: "command: [a, b}\nx: 1\n", at: "1:15", says: "expected ',' or ']'",
            note: "1:10"),
        SyntaxCase(
            name: "bad escape", text: "kind: kernel\ndescription: \"bad \\q escape\"\n", at: "2:19",
            says: "unknown escape", note: "2:14"),
        SyntaxCase(
            name: "sequence item among keys", text: "kind: kernel\nname: api\n- x\n", at: "3:1",
            says: "did not find expected key", note: "1:1"),
        SyntaxCase(
            name: "key inside a block sequence", text: "steps:\n  - a\n  - b\n  c: d\n", at: "4:3",
            says: "expected '-' indicator", note: "2:3"),
        SyntaxCase(
            name: "tab block scalar indentation", text: "a: |\n  x\n\ty\n", at: "3:1", says: "tab", note: "1:4"),
        SyntaxCase(name: "anchor without a name", text: "a: & x\n", at: "1:5", says: "alphabetic", note: "1:4"),
        // Both marks in one place: one position, the context in the message.
        SyntaxCase(
            name: "tab indentation", text: "kind: kernel\nrestart:\n\tpolicy: always\n", at: "3:1",
            says: "(while scanning for the next token)", note: nil),
        SyntaxCase(
            name: "undefined tag handle", text: "a: !foo!bar x\n", at: "1:4", says: "(while parsing a node)", note: nil),
        SyntaxCase(name: "no context", text: "a: b: c\n", at: "1:5", says: "mapping values", note: nil),
        // The reader gives a byte offset, not a mark: still a line and a column.
        SyntaxCase(
            name: "control character", text: "kind: kernel\nname: \u{e9}a\u{01}b\n", at: "2:9",
            says: "control characters are not allowed (U+0001)", note: nil),
    ]

    @Test("every libyaml error path points at the defect, with the other mark as a note", arguments: syntaxCases)
    func syntaxErrorPosition(_ c: SyntaxCase) throws {
        let result = parser.parse(c.text, file: "s.yaml")
        #expect(result.diagnostics.count == 1)
        let d = try #require(result.diagnostics.first)
        #expect(d.code == .yamlSyntax)
        #expect("\(d.span.start.line):\(d.span.start.column)" == c.at, "\(d.message)")
        #expect(d.message.contains(c.says), "\(d.message)")
        let notes = d.notes.compactMap(\.span).map { "\($0.start.line):\($0.start.column)" }
        #expect(notes == (c.note.map { [$0] } ?? []), "\(d.notes)")
        let bytes = Array(c.text.utf8)
        #expect(d.span.start.offset <= d.span.end.offset && d.span.end.offset <= bytes.count)
        if c.says.contains("never closed") {
            // The span is exactly the opening character.
            let opened = String(decoding: bytes[d.span.start.offset..<d.span.end.offset], as: UTF8.self)
            #expect(["[", "{", "\"", "'"].contains(opened))
        }
    }

    @Test("after a syntax error, the documents before the failing one are kept and the rest is unread")
    func unreadAfterSyntaxError() throws {
        let text = "kind: kernel\nname: a\n---\nkind: kernel\nname: b\n---\nkind: playbook\nname: c\nx: [1\n"
        let result = parser.parse(text, file: "u.yaml")
        #expect(result.documents.count == 2)
        let region = try #require(result.unread.first)
        #expect(result.unread.count == 1)
        #expect(region.span.start.line == 6)
        #expect(region.span.end.offset == text.utf8.count)
        #expect(region.cause == result.diagnostics.first)
        #expect(region.possiblyDefinedNames(in: text) == ["c"])
        // An error in the first document loses the whole file, leading comments included.
        let first = parser.parse("# about\nkind: kernel\nname: a\nx: [1\n", file: "v.yaml")
        #expect(first.unread.first?.span.start.offset == 0)
    }

    @Test("a refused document is skipped and the documents after it are read")
    func refusedDocumentIsSkipped() throws {
        let text = "kind: kernel\nname: a\nx: *nope\n---\nkind: kernel\nname: b\n"
        let result = parser.parse(text, file: "r.yaml")
        #expect(result.diagnostics.map(\.code) == [.unknownAnchor])
        #expect(result.documents.compactMap { $0.root?["name"]?.text } == ["b"])
        let region = try #require(result.unread.first)
        #expect(result.unread.count == 1)
        #expect(region.span.start.line == 1)
        #expect(region.possiblyDefinedNames(in: text) == ["a"])
    }

    @Test(
        "the names a part that did not parse may define are found in its text",
        arguments: [
            ("name: api\n", ["api"]),
            ("kind: playbook\nname: notify-operator\nsteps:\n  - name: page\n", ["notify-operator", "page"]),
            ("{kind: kernel, name: store, command: [x]}\n", ["store"]),
            ("{kind: kernel,name: \"web\"}\n", ["web"]),
            ("\"name\": 'quoted' # comment\n", ["quoted"]),
            ("hostname: x\nrename: y\nname_of: z\nname:\n  nested\n", []),
            ("name: Not-Valid\nname: {{ templated }}\nname: ok # trailing\n", ["ok"]),
        ] as [(String, Set<String>)])
    func possiblyDefinedNames(_ text: String, _ names: Set<String>) {
        let end = SourceLocation(line: 99, column: 1, offset: text.utf8.count)
        let span = SourceSpan(file: "n.yaml", start: SourceLocation(line: 1, column: 1, offset: 0), end: end)
        let region = UnreadRegion(span: span, cause: Diagnostic(.yamlSyntax, "x", at: span))
        #expect(region.possiblyDefinedNames(in: text) == names)
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
