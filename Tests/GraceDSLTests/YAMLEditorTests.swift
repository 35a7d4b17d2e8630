import Testing

@testable import GraceDSL

/// Applies the edits one editor operation makes to `text`.
private func edited(_ text: String, _ operation: (YAMLEditor) throws -> [TextEdit]) throws -> String {
    let file = SourceFile(path: "t.yaml", text: text)
    return try file.applying(operation(YAMLEditor(file))).text
}

private func path(_ components: YAMLPath.Component..., document: Int = 0) -> YAMLPath {
    YAMLPath(document: document, components)
}

@Suite struct YAMLEditorScalarTests {
    @Test func setsAPlainScalarAndKeepsTheCommentAfterIt() throws {
        let text = "a: 1   # one\nb: x # ex\n"
        #expect(try edited(text) { try $0.setScalar(at: path(.key("b")), to: "z") } == "a: 1   # one\nb: z # ex\n")
        #expect(
            try edited(text) { try $0.setValue(at: path(.key("a")), to: .plain("2")) } == "a: 2   # one\nb: x # ex\n")
    }

    /// `y`, `n`, `yes`, `off` are booleans to YAML 1.1 readers, so they are quoted too.
    @Test func quotesWhatPlainTextWouldMisread() throws {
        let cases: [(String, String)] = [
            ("a: b", "\"a: b\""), ("x #y", "\"x #y\""), ("-x", "\"-x\""), ("true", "\"true\""),
            ("8080", "\"8080\""), ("", "\"\""), ("say \"hi\"\n", "\"say \\\"hi\\\"\\n\""), ("héllo ✓", "héllo ✓"),
            ("tab\there", "\"tab\\there\""), ("y", "\"y\""), ("null", "\"null\""), ("1.5", "\"1.5\""),
            ("web-1", "web-1"),
        ]
        for (value, written) in cases {
            let result = try edited("k: v\n") { try $0.setScalar(at: path(.key("k")), to: value) }
            #expect(result == "k: \(written)\n", "\(value)")
            #expect(documentShapes(result) == [.mapping([.init(.scalar("k"), .scalar(value))])])
        }
    }

    @Test func keepsTheQuotingStyleOfAQuotedString() throws {
        #expect(try edited("k: 'v'\n") { try $0.setScalar(at: path(.key("k")), to: "it's") } == "k: 'it''s'\n")
        #expect(try edited("k: \"v\"\n") { try $0.setScalar(at: path(.key("k")), to: "w") } == "k: \"w\"\n")
    }

    @Test func quotesFlowIndicatorsInsideAFlowCollection() throws {
        let result = try edited("a: [x, y]\n") { try $0.setScalar(at: path(.key("a"), .index(1)), to: "p,q") }
        #expect(result == "a: [x, \"p,q\"]\n")
    }

    @Test func replacesABlockScalarUpToItsLastLine() throws {
        let result = try edited("a: |\n  one\n  two\n\nb: 1\n") { try $0.setScalar(at: path(.key("a")), to: "x") }
        #expect(result == "a: x\n\nb: 1\n")
    }

    @Test func fillsAnEmptyValue() throws {
        #expect(try edited("a:\nb: 1\n") { try $0.setScalar(at: path(.key("a")), to: "x") } == "a: x\nb: 1\n")
    }

    @Test func settingTheSameTextMakesNoEdits() throws {
        let editor = try YAMLEditor(SourceFile(path: "t.yaml", text: "a: 8080\nb: 'x'\n"))
        #expect(try editor.setScalar(at: path(.key("a")), to: "8080").isEmpty)
        #expect(try editor.setScalar(at: path(.key("b")), to: "x").isEmpty)
    }
}

@Suite struct YAMLEditorMappingTests {
    let kernels = """
        # Kernels
        kernels:
          web:
            command: run   # the server
            # the port it listens on
            port: 80

          # the database
          db:
            command: pg
        other: 1

        """

    @Test func addsAKeyAfterTheLastEntryBeforeTheBlankLine() throws {
        let result = try edited(kernels) {
            try $0.addKey("restart", value: .plain("always"), to: path(.key("kernels"), .key("web")))
        }
        #expect(result.contains("    port: 80\n    restart: always\n\n  # the database\n"))
    }

    @Test func addsANestedValueInBlockStyle() throws {
        let value = YAMLValue.mapping([
            ("http", .string("/healthz")), ("ports", .sequence([.plain("80"), .plain("81")])),
        ])
        let result = try edited(kernels) {
            try $0.addKey("health", value: value, to: path(.key("kernels"), .key("db")))
        }
        #expect(
            result.contains(
                "    command: pg\n    health:\n      http: /healthz\n      ports:\n        - 80\n        - 81\nother: 1\n"
            ))
    }

    @Test func addsToAFlowMapping() throws {
        #expect(
            try edited("a: {x: 1}\n") { try $0.addKey("w", value: .plain("2"), to: path(.key("a"))) }
                == "a: {x: 1, w: 2}\n")
        #expect(try edited("a: {}\n") { try $0.addKey("w", value: .plain("2"), to: path(.key("a"))) } == "a: {w: 2}\n")
        let nested = YAMLValue.mapping([("p", .sequence([.plain("1"), .string("a,b")]))])
        #expect(
            try edited("a: {x: 1}\n") { try $0.addKey("w", value: nested, to: path(.key("a"))) }
                == "a: {x: 1, w: {p: [1, \"a,b\"]}}\n")
    }

    @Test func addsAtTheEndOfAFileWithoutALineBreak() throws {
        #expect(try edited("a: 1") { try $0.addKey("b", value: .plain("2"), to: path()) } == "a: 1\nb: 2\n")
    }

    @Test func removesAKeyWithItsNestedBlockAndKeepsOthersComments() throws {
        let result = try edited(kernels) { try $0.removeKey("web", from: path(.key("kernels"))) }
        #expect(result == "# Kernels\nkernels:\n\n  # the database\n  db:\n    command: pg\nother: 1\n")
        let last = try edited(kernels) { try $0.removeKey("port", from: path(.key("kernels"), .key("web"))) }
        #expect(last.contains("    command: run   # the server\n    # the port it listens on\n\n  # the database"))
    }

    @Test func removesFromAFlowMapping() throws {
        let text = "a: {x: 1, y: 2, z: 3}\n"
        #expect(try edited(text) { try $0.removeKey("x", from: path(.key("a"))) } == "a: {y: 2, z: 3}\n")
        #expect(try edited(text) { try $0.removeKey("y", from: path(.key("a"))) } == "a: {x: 1, z: 3}\n")
        #expect(try edited(text) { try $0.removeKey("z", from: path(.key("a"))) } == "a: {x: 1, y: 2}\n")
        #expect(try edited("a: {x: 1}\n") { try $0.removeKey("x", from: path(.key("a"))) } == "a: {}\n")
    }

    @Test func removingTheOnlyKeyLeavesAnEmptyMapping() throws {
        #expect(
            try edited("a:\n  b: 1  # c\nz: 2\n") { try $0.removeKey("b", from: path(.key("a"))) }
                == "a: {}  # c\nz: 2\n")
        #expect(try edited("- k: v\n- w\n") { try $0.removeKey("k", from: path(.index(0))) } == "- {}\n- w\n")
    }

    @Test func removesTheFirstKeyOfAMappingInASequenceItem() throws {
        let result = try edited("- k: v\n  k2: v2\n") { try $0.removeKey("k", from: path(.index(0))) }
        #expect(result == "- k2: v2\n")
    }

    @Test func refusesWhatItCannotDo() throws {
        let editor = try YAMLEditor(SourceFile(path: "t.yaml", text: "a: {x: 1}\nb: [1]\n"))
        #expect(throws: YAMLEditError.duplicateKey(path(.key("a")), "x")) {
            try editor.addKey("x", value: .plain("2"), to: path(.key("a")))
        }
        #expect(throws: YAMLEditError.noSuchNode(path(.key("c")))) {
            try editor.setScalar(at: path(.key("c")), to: "x")
        }
        #expect(throws: YAMLEditError.self) { try editor.addKey("x", value: .plain("2"), to: path(.key("b"))) }
        #expect(throws: YAMLEditError.self) { try YAMLEditor(SourceFile(path: "t.yaml", text: "a: [\n")) }
    }
}

@Suite struct YAMLEditorSequenceTests {
    let steps = """
        steps:
          - run: a
          - run: b   # bee

        # next
        x: 1

        """

    @Test func appendsABlockItemBeforeTheBlankLine() throws {
        let result = try edited(steps) {
            try $0.appendItem(.mapping([("run", .string("c")), ("timeout", .plain("5s"))]), to: path(.key("steps")))
        }
        #expect(result.contains("  - run: b   # bee\n  - run: c\n    timeout: 5s\n\n# next\n"))
    }

    @Test func insertsABlockItem() throws {
        let result = try edited(steps) {
            try $0.insertItem(.mapping([("call", .string("p"))]), at: 1, in: path(.key("steps")))
        }
        #expect(result.hasPrefix("steps:\n  - run: a\n  - call: p\n  - run: b   # bee\n"))
    }

    @Test func editsFlowSequences() throws {
        #expect(try edited("a: [x, y]\n") { try $0.appendItem(.string("z"), to: path(.key("a"))) } == "a: [x, y, z]\n")
        #expect(
            try edited("a: [x, y]\n") { try $0.insertItem(.string("w"), at: 1, in: path(.key("a"))) }
                == "a: [x, w, y]\n")
        #expect(try edited("a: []\n") { try $0.appendItem(.string("z"), to: path(.key("a"))) } == "a: [z]\n")
        #expect(try edited("a: [x, y]\n") { try $0.removeItem(at: path(.key("a"), .index(1))) } == "a: [x]\n")
        #expect(try edited("a: [x, y]\n") { try $0.removeItem(at: path(.key("a"), .index(0))) } == "a: [y]\n")
        #expect(try edited("a: [x]\n") { try $0.removeItem(at: path(.key("a"), .index(0))) } == "a: []\n")
    }

    @Test func removesBlockItems() throws {
        #expect(
            try edited(steps) { try $0.removeItem(at: path(.key("steps"), .index(0))) }
                == "steps:\n  - run: b   # bee\n\n# next\nx: 1\n")
        #expect(
            try edited(steps) { try $0.removeItem(at: path(.key("steps"), .index(1))) }
                == "steps:\n  - run: a\n\n# next\nx: 1\n")
        #expect(try edited("a:\n- 1\nb: 2\n") { try $0.removeItem(at: path(.key("a"), .index(0))) } == "a: []\nb: 2\n")
    }
}

@Suite struct YAMLEditorDocumentTests {
    let stream = "# header\nkind: a\n---\n# b's comment\nkind: b\n---\nkind: c\n"

    @Test func addsADocument() throws {
        let editor = try YAMLEditor(SourceFile(path: "t.yaml", text: stream))
        let result = try SourceFile(path: "t.yaml", text: stream).applying(
            editor.addDocument(.mapping([("kind", .string("d")), ("steps", .sequence([.string("x")]))])))
        #expect(result.text == stream + "---\nkind: d\nsteps:\n  - x\n")
    }

    @Test func removesDocumentsWithTheirSeparators() throws {
        #expect(try edited(stream) { try $0.removeDocument(at: 1) } == "# header\nkind: a\n---\nkind: c\n")
        #expect(
            try edited(stream) { try $0.removeDocument(at: 0) }
                == "# header\n---\n# b's comment\nkind: b\n---\nkind: c\n")
        #expect(
            try edited(stream) { try $0.removeDocument(at: 2) } == "# header\nkind: a\n---\n# b's comment\nkind: b\n")
    }
}
