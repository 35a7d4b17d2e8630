// The log miner's promises, checked over one input in the fuzz target's format. One file for two users: the
// libFuzzer harness (Fuzz/Sources/LogMiningFuzz/MinerInvariants.swift is a symbolic link to this file, compiled
// against the same sources under the module name FuzzedLogMining) aborts on a violation; FuzzRegressionTests
// replays the seeds and every input that once failed, and records it as an issue.
//
// An input is text. Lines at the top that start with `format: `, `mask: ` (up to four) or `options: ` configure
// the miner as `grace logs mine --format --mask --threshold` would; every line after them is a log line (up to
// 256), mined in order:
//
//     format: <Date> <Time> <Level> <Component>: <Content>
//     mask: (\d+\.){3}\d+
//     options: threshold=0.5 distinct=3 nodigits noshared nomulti nooptional
//     2024-01-01 10:00:00 INFO api: connected to 10.0.0.1 in 3 ms

import Foundation

#if canImport(FuzzedLogMining)
@testable import FuzzedLogMining
#else
@testable import LogMining
#endif

/// What one input asks for.
struct MinerInput {
    var format: String?
    var masks: [String] = []
    var options = MinerOptions()
    var lines: [String] = []

    init(_ data: Data) {
        var header = true
        for line in LogText.lines(data) {
            if header {
                if line.hasPrefix("format: ") {
                    format = String(line.dropFirst("format: ".count))
                    continue
                }
                if line.hasPrefix("mask: ") {
                    if masks.count < 4 { masks.append(String(line.dropFirst("mask: ".count))) }
                    continue
                }
                if line.hasPrefix("options: ") {
                    readOptions(line.dropFirst("options: ".count))
                    continue
                }
                header = false
            }
            if lines.count < 256 { lines.append(line) }
        }
    }

    private mutating func readOptions(_ text: Substring) {
        for word in text.split(separator: " ") {
            if word == "nodigits" { options.digitTokensAreVariables = false }
            if word == "noshared" { options.sharedWords = false }
            if word == "nomulti" { options.multiTokenValues = false }
            if word == "nooptional" { options.optionalValues = false }
            if word.hasPrefix("threshold="), let value = Double(word.dropFirst("threshold=".count)), value.isFinite {
                options.similarityThreshold = min(max(value, 0), 1)
            }
            if word.hasPrefix("distinct="), let value = Int(word.dropFirst("distinct=".count)) {
                options.distinctValuesForVariable = min(max(value, 0), 12)
            }
        }
    }
}

/// A promise the miner broke: which one, and on what.
struct MinerInvariantViolation: Error, CustomStringConvertible {
    var invariant: String
    var detail: String
    var description: String { "invariant violated: \(invariant): \(detail)" }
}

/// The checks, in the order mining meets them.
enum MinerInvariants {
    /// Mines every line of `data` as the fuzz target does and throws at the first broken promise. An input whose
    /// format or mask does not compile is not mined (the CLI reports it as a usage error).
    static func check(_ data: Data) throws(MinerInvariantViolation) {
        let input = MinerInput(data)
        guard var miner = try? LogMiner(format: input.format, masks: input.masks, options: input.options) else {
            return
        }
        let masks = input.masks.compactMap { try? Mask($0) }
        let formatEngine = input.format.flatMap(formatByteEngine)
        var restored: LogMiner?
        var matches: [(line: String, masked: String, match: TemplateMatch)] = []
        var given: Set<TemplateID> = []

        for (index, line) in input.lines.enumerated() {
            if index == input.lines.count / 2 {
                // Persist and restore halfway: the restored miner must go on exactly as the running one.
                do {
                    let saved = try JSONDecoder().decode(TemplateMiner.self, from: JSONEncoder().encode(miner.miner))
                    restored = try LogMiner(format: input.format, masks: input.masks, miner: saved)
                } catch {
                    throw violation("a miner encodes and decodes", "\(error)")
                }
                if restored?.miner.templates != miner.miner.templates {
                    throw violation("a restored miner has the same templates", line)
                }
            }
            // The byte engines agree with NSRegularExpression wherever they do not give up by design.
            if let format = miner.format, isASCII(line), !formatGivesUp(formatEngine, line) {
                let fast = format.split(line)?.fields
                let reference = format.referenceSplit(line)
                if fast != reference {
                    throw violation(
                        "the format splits like NSRegularExpression",
                        "\(format.format) on \(line): \(fast as Any) != \(reference as Any)")
                }
            }
            let parsed = miner.split(line)
            var text = parsed.content
            for mask in masks {
                if isASCII(text), let fast = mask.fastReplace(in: text), !maskGivesUp(mask, text) {
                    let slow = mask.slowReplace(in: text)
                    if fast != slow {
                        throw violation("a mask replaces like NSRegularExpression", "\(text): \(fast) != \(slow)")
                    }
                }
                text = mask.replace(in: text)
            }
            let masked = miner.masker.mask(parsed.content)
            if masked != text { throw violation("the masker applies its masks in order", "\(masked) != \(text)") }

            let (_, match) = miner.add(line: line)
            if match.template.id != TemplateID(templateText: match.template.text) {
                throw violation("a template's id is the hash of its text", match.template.text)
            }
            let (joins, optional) = (input.options.multiTokenValues, input.options.optionalValues)
            let digits = input.options.digitTokensAreVariables
            if !covers(
                match.template.text, masked, joiningRuns: joins, optional: optional, digitsAreVariables: digits)
            {
                throw violation("a mined template matches its line", "\(match.template.text) for \(masked)")
            }
            if var other = restored {
                let again = other.add(line: line).match
                restored = other
                if again.template.id != match.template.id {
                    throw violation(
                        "a restored miner mines as the running one", "\(again.template.text) != \(match.template.text)")
                }
            }
            matches.append((line, masked, match))
            given.insert(match.template.id)
            if let replaced = match.replaced { given.insert(replaced) }
            given.formUnion(match.merged)
        }

        let live = miner.miner.templates
        if live.reduce(0, { $0 + $1.count }) != input.lines.count {
            throw violation("every line is counted once", "\(live.map(\.count)) for \(input.lines.count) lines")
        }
        if Set(live.map(\.id)).count != live.count || Set(live.map(\.text)).count != live.count {
            throw violation("live templates are distinct", "\(live.map(\.text))")
        }
        let liveIDs = Set(live.map(\.id))
        for (line, masked, match) in matches {
            let current = miner.miner.current(match)
            if !liveIDs.contains(current.id) { throw violation("a line's current template is live", current.text) }
            if !covers(
                current.text, masked, joiningRuns: input.options.multiTokenValues,
                optional: input.options.optionalValues, digitsAreVariables: input.options.digitTokensAreVariables)
            {
                throw violation("a line's current template still matches it", "\(current.text) for \(masked)")
            }
            if miner.match(line: line).template?.id != current.id {
                throw violation("match(line:) finds the line's template", "\(line) -> \(current.text)")
            }
        }
        for id in given where miner.miner.current(id: id).map({ liveIDs.contains($0.id) }) != true {
            throw violation("every id given resolves to a live template", id.rawValue)
        }
        if let restored, restored.miner.templates != live {
            throw violation("a restored miner ends with the same templates", "\(restored.miner.templates.map(\.text))")
        }
        // `grace logs mine`'s output: a header and one record per line (a template never holds a line break).
        let csv = LogText.csv(matches.map { miner.miner.current($0.match) })
        let records = csv.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        if records != input.lines.count + 1 {
            throw violation("the CSV has a record per line", "\(records) newlines for \(input.lines.count) lines")
        }
    }

    static func violation(_ invariant: String, _ detail: String) -> MinerInvariantViolation {
        MinerInvariantViolation(invariant: invariant, detail: detail)
    }

    /// The whitespace-separated tokens of `text`, split as the tokenizer splits (ASCII whitespace), as bytes.
    static func rawTokens(_ text: String) -> [[UInt8]] {
        Array(text.utf8).split(whereSeparator: Tokenizer.isSpace).map(Array.init)
    }

    /// Whether `template` covers the masked message: its tokens in order, each `<*>` standing for one token, or,
    /// with `joiningRuns` (the miner's multi-token values), for a run of tokens that are each a value by themselves,
    /// or, with `optional` (its optional values), for no token at all; any other token the message's own, or its
    /// `key=` with `<*>` for the value (the tokenizer keeps the key of a `key=value` token).
    static func covers(
        _ template: String, _ masked: String, joiningRuns: Bool = false, optional: Bool = false,
        digitsAreVariables: Bool = true
    ) -> Bool {
        // At space bytes, as the template was joined: a space and a following combining mark are one Character.
        let tokens =
            template.isEmpty ? [] : Array(template.utf8).split(separator: 0x20, omittingEmptySubsequences: false)
        let raw = rawTokens(masked)
        let wildcard = Array("<*>".utf8)
        func same(_ token: ArraySlice<UInt8>, _ word: [UInt8]) -> Bool {
            if token.elementsEqual(word) { return true }
            guard token.count >= 4, token.suffix(4).elementsEqual("=<*>".utf8) else { return false }
            let key = token.dropLast(3)
            return word.count > key.count && word.starts(with: key)
        }
        let isValue = raw.map {
            Tokenizer.key(String(decoding: $0, as: UTF8.self), digitsAreVariables: digitsAreVariables) == "<*>"
        }
        // reachable[j]: the template tokens so far cover exactly the first j message tokens.
        var reachable = [Bool](repeating: false, count: raw.count + 1)
        reachable[0] = true
        for token in tokens {
            var next = [Bool](repeating: false, count: raw.count + 1)
            if optional, token.elementsEqual(wildcard) { next = reachable }
            for j in raw.indices where reachable[j] {
                if token.elementsEqual(wildcard) {
                    next[j + 1] = true
                    // A run of two or more: every token in it a value.
                    var end = j
                    while joiningRuns, end < raw.count, isValue[end] {
                        end += 1
                        if end - j >= 2 { next[end] = true }
                    }
                } else if same(token, raw[j]) {
                    next[j + 1] = true
                }
            }
            reachable = next
        }
        return reachable[raw.count]
    }

    static func isASCII(_ text: String) -> Bool { text.utf8.allSatisfy { $0 < 0x80 } }

    /// Whether `mask`'s byte engine runs out of steps on `text` (it then leaves the rest of the line as it is, by
    /// design, where NSRegularExpression would go on), replaying `Mask.fastReplace`'s search.
    static func maskGivesUp(_ mask: Mask, _ text: String) -> Bool {
        guard let fast = mask.fast, fast.runOf == nil else { return false }
        var text = text
        return text.withUTF8 { buffer in
            var captures: [Int] = []
            var stack: [BytePattern.Backtrack] = []
            var budget = 4_096 + 256 * buffer.count
            var position = 0
            while position <= buffer.count {
                switch fast.firstMatch(in: buffer, from: position, captures: &captures, budget: &budget, stack: &stack)
                {
                case .noMatch: return false
                case .gaveUp: return true
                case .match(let range): position = range.isEmpty ? range.lowerBound + 1 : range.upperBound
                }
            }
            return false
        }
    }

    /// The regular expression `LogFormat` builds for `format` (placeholders as lazy groups, runs of spaces as
    /// `\s+`), and the literal parts between the placeholders; nil when it has no placeholder.
    static func formatPattern(_ format: String) -> (pattern: String, literals: [String])? {
        var literals: [String] = []
        var current = ""
        var rest = Substring(format)
        var fields = 0
        while let open = rest.firstIndex(of: "<") {
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(where: { $0 == ">" || $0 == "<" }), after[close] == ">",
                close > after.startIndex
            else {
                current += rest[...open]
                rest = after
                continue
            }
            current += rest[..<open]
            literals.append(current)
            current = ""
            fields += 1
            rest = after[after.index(after: close)...]
        }
        literals.append(current)
        guard fields > 0 else { return nil }
        var pattern = "^"
        for (index, literal) in literals.enumerated() {
            var inRun = false
            for character in literal {
                if character == " " {
                    if !inRun { pattern += "\\s+" }
                    inRun = true
                } else {
                    pattern.append(character)
                    inRun = false
                }
            }
            if index < fields { pattern += "(?<f\(index)>.*?)" }
        }
        return (pattern + "$", literals)
    }

    /// The byte engine `LogFormat.split` uses for `format`, nil when it uses another path (no placeholder, the
    /// literal splitter, or a pattern outside the engine's subset). Built once per input, not once per line.
    static func formatByteEngine(_ format: String) -> BytePattern? {
        guard let (pattern, literals) = formatPattern(format), LiteralSplitter(literals: literals) == nil else {
            return nil
        }
        return BytePattern(pattern)
    }

    /// Whether `LogFormat.split` takes its byte-engine path `fast` for `line` and runs out of steps there (it then
    /// calls the line unmatched, by design, where NSRegularExpression would go on).
    static func formatGivesUp(_ fast: BytePattern?, _ line: String) -> Bool {
        guard let fast else { return false }
        let bytes = Array(
            Array(line.utf8).drop(while: LiteralSplitter.isSpace).reversed().drop(while: LiteralSplitter.isSpace)
                .reversed())
        return bytes.withUnsafeBufferPointer { buffer in
            var captures = [Int](repeating: -1, count: 2 * (fast.groupCount + 1))
            var budget = 4_096 + 256 * buffer.count
            var stack: [BytePattern.Backtrack] = []
            if case .gaveUp = fast.firstMatch(in: buffer, from: 0, captures: &captures, budget: &budget, stack: &stack)
            {
                return true
            }
            return false
        }
    }
}
