// libyaml describes a syntax error with two marks: the *problem* mark, where it gave up, and the *context* mark,
// the start of the construct it was reading (a flow collection, a quoted scalar, a key, a block mapping). The
// defect is at whichever of the two a person has to edit. For a collection or string that was opened and never
// closed, that is the opening bracket or quote: libyaml only gives up where the next token no longer fits, which
// can be lines later or the end of the file. For everything else (a missing comma, a bad escape, a tab, a
// misplaced key) it is the problem mark. The other mark becomes a note.

import CLibYAML

/// Turns libyaml's error state into one G001 diagnostic placed at the defect.
struct SyntaxErrorReport {
    let file: String
    let positions: PositionMap
    let input: UnsafeBufferPointer<UInt8>
    /// Flow nesting past which the closing-bracket scan gives up (the parser's own depth limit).
    let maxDepth: Int

    func diagnostic(for parser: yaml_parser_t) -> Diagnostic {
        let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
        if parser.error == YAML_READER_ERROR {
            return readerError(problem, offset: Int(parser.problem_offset), value: Int(parser.problem_value))
        }
        let problemAt = positions.location(parser.problem_mark)
        guard let context = parser.context.map({ String(cString: $0) }) else {
            return Diagnostic(.yamlSyntax, problem, at: point(problemAt))
        }
        let contextAt = positions.location(parser.context_mark)
        if contextAt == problemAt {
            return Diagnostic(.yamlSyntax, "\(problem) (\(context))", at: point(problemAt))
        }
        let gaveUp = Note("the YAML parser gave up here: \(problem)", at: point(problemAt))
        let opener = byte(at: contextAt.offset)

        switch (context, problem) {
        case ("while scanning a quoted scalar", "found unexpected end of stream"),
            ("while scanning a quoted scalar", "found unexpected document indicator"):
            // The scanner only says this when it ran out of text (or hit `---`) inside the string.
            let style = opener == UInt8(ascii: "'") ? "single-quoted" : "double-quoted"
            let end =
                problem.hasSuffix("end of stream")
                ? "the file ends here, still inside the string" : "the string runs into this document marker"
            return Diagnostic(
                .yamlSyntax, "this \(style) string is never closed", at: character(contextAt),
                notes: [Note(end, at: point(problemAt))])
        case ("while scanning a simple key", _):
            // A key at the start of a block line must be followed by `:` on the same line (within 1024
            // characters); the key is what needs the fix, not the line after it.
            return Diagnostic(
                .yamlSyntax, "\(problem) after this key", at: point(contextAt),
                notes: [Note("the YAML parser gave up looking here", at: point(problemAt))])
        case ("while parsing a flow sequence", _), ("while parsing a flow mapping", _):
            let isSequence = opener == UInt8(ascii: "[")
            // When the scanner cannot tell (typically a block scalar's `|` or `>` read as flow content, which
            // only happens when the bracket is left open), a collection that the parser gave up on lines after
            // it started is taken as unclosed, one that fails on its own line as closed.
            let closed = flowCollectionIsClosed(openedAt: parser.context_mark) ?? (problemAt.line == contextAt.line)
            if !closed {
                let (what, close) = isSequence ? ("flow sequence", "]") : ("flow mapping", "}")
                let open = isSequence ? "[" : "{"
                return Diagnostic(
                    .yamlSyntax, "this \(what) is never closed: `\(open)` has no matching `\(close)`",
                    at: character(contextAt), notes: [gaveUp])
            }
        default:
            break
        }
        return Diagnostic(
            .yamlSyntax, problem, at: point(problemAt),
            notes: [Note("\(context) that starts here", at: point(contextAt))])
    }

    /// The reader (encoding and control characters) reports a byte offset, not a mark.
    private func readerError(_ problem: String, offset: Int, value: Int) -> Diagnostic {
        var message = "cannot read input: \(problem)"
        if value >= 0 {
            let hex = String(value, radix: 16, uppercase: true)
            let padded = String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            message += problem.contains("octet") ? " (byte 0x\(hex))" : " (U+\(padded))"
        }
        return Diagnostic(.yamlSyntax, message, at: point(positions.location(byteOffset: offset)))
    }

    /// Whether the flow collection that starts at `mark` is closed before its document ends, as libyaml's
    /// scanner alone sees it: the scanner reads on past the point where the parser gave up. A mismatched closer
    /// (`[a, b}`) counts as closing, since then the defect is that closer. Nil when the scanner cannot tell (it
    /// fails first, or the nesting passes the depth limit, which also bounds what libyaml allocates).
    private func flowCollectionIsClosed(openedAt mark: yaml_mark_t) -> Bool? {
        var scanner = yaml_parser_t()
        guard yaml_parser_initialize(&scanner) != 0 else { return nil }
        defer { yaml_parser_delete(&scanner) }
        yaml_parser_set_input_string(&scanner, input.baseAddress, input.count)
        var depth = 0
        var openerDepth: Int?
        var token = yaml_token_t()
        while true {
            guard yaml_parser_scan(&scanner, &token) != 0 else { return nil }
            let type = token.type
            let index = token.start_mark.index
            yaml_token_delete(&token)
            switch type {
            case YAML_FLOW_SEQUENCE_START_TOKEN, YAML_FLOW_MAPPING_START_TOKEN:
                depth += 1
                if index == mark.index { openerDepth = depth }
                if depth > maxDepth { return nil }
            case YAML_FLOW_SEQUENCE_END_TOKEN, YAML_FLOW_MAPPING_END_TOKEN:
                if depth == openerDepth { return true }
                depth = max(0, depth - 1)
            case YAML_DOCUMENT_START_TOKEN, YAML_DOCUMENT_END_TOKEN:
                // A bracket never carries over into the next document.
                if openerDepth != nil { return false }
            case YAML_STREAM_END_TOKEN:
                return openerDepth != nil ? false : nil
            case YAML_NO_TOKEN:
                return nil
            default:
                break
            }
        }
    }

    private func byte(at offset: Int) -> UInt8? {
        offset >= 0 && offset < input.count ? input[offset] : nil
    }

    private func point(_ at: SourceLocation) -> SourceSpan {
        SourceSpan(file: file, start: at, end: at)
    }

    /// The one (ASCII) character at `at`: an opening bracket or quote.
    private func character(_ at: SourceLocation) -> SourceSpan {
        let end = SourceLocation(line: at.line, column: at.column + 1, offset: min(at.offset + 1, input.count))
        return SourceSpan(file: file, start: at, end: end)
    }
}
