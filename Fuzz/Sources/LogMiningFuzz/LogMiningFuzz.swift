// libFuzzer harness for the log miner (see Fuzz/README.md): LogFormat, LogMasker and TemplateMiner on arbitrary
// input, with the invariants mining relies on checked after every input. A violation aborts like a crash.
//
// An input is text. Lines at the top that start with `format: `, `mask: ` (up to four) or `options: ` configure
// the miner; every line after them is a log line (up to 256), mined in order:
//
//     format: <Date> <Time> <Level> <Component>: <Content>
//     mask: (\d+\.){3}\d+
//     options: threshold=0.5 distinct=3 nodigits noshared
//     2024-01-01 10:00:00 INFO api: connected to 10.0.0.1 in 3 ms
//
// Built with `-sanitize=fuzzer -parse-as-library` (see Fuzz/run.sh); SwiftPM links an executable with `main`
// aliased to `LogMiningFuzz_main`, which hands control to libFuzzer's driver.

import Foundation

@testable import FuzzedLogMining

/// `int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));`
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

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
            if word.hasPrefix("threshold="), let value = Double(word.dropFirst("threshold=".count)), value.isFinite {
                options.similarityThreshold = min(max(value, 0), 1)
            }
            if word.hasPrefix("distinct="), let value = Int(word.dropFirst("distinct=".count)) {
                options.distinctValuesForVariable = min(max(value, 0), 12)
            }
        }
    }
}

func violated(_ what: String, _ detail: @autoclosure () -> String) -> Never {
    fatalError("invariant violated: \(what): \(detail())")
}

/// The whitespace-separated tokens of `text`, split as the tokenizer splits (ASCII whitespace), as bytes.
func rawTokens(_ text: String) -> [[UInt8]] {
    Array(text.utf8).split(whereSeparator: Tokenizer.isSpace).map(Array.init)
}

/// Whether `template` covers the masked message: as many tokens, each `<*>`, the message's own token, or its
/// `key=` with `<*>` for the value (the tokenizer keeps the key of a `key=value` token).
func covers(_ template: String, _ masked: String) -> Bool {
    let tokens = template.isEmpty ? [] : template.split(separator: " ", omittingEmptySubsequences: false)
    let raw = rawTokens(masked)
    guard tokens.count == raw.count else { return false }
    return zip(tokens, raw).allSatisfy { token, word in
        if token == "<*>" || Array(token.utf8) == word { return true }
        guard token.hasSuffix("=<*>") else { return false }
        let key = Array(token.utf8.dropLast(3))
        return word.count > key.count && word.starts(with: key)
    }
}

func isASCII(_ text: String) -> Bool { text.utf8.allSatisfy { $0 < 0x80 } }

/// Whether `mask`'s byte engine runs out of steps on `text` (it then leaves the rest of the line as it is, by
/// design, where NSRegularExpression would go on), replaying `Mask.fastReplace`'s search.
func maskGivesUp(_ mask: Mask, _ text: String) -> Bool {
    guard let fast = mask.fast, fast.runOf == nil else { return false }
    var text = text
    return text.withUTF8 { buffer in
        var captures: [Int] = []
        var stack: [BytePattern.Backtrack] = []
        var budget = 4_096 + 256 * buffer.count
        var position = 0
        while position <= buffer.count {
            switch fast.firstMatch(in: buffer, from: position, captures: &captures, budget: &budget, stack: &stack) {
            case .noMatch: return false
            case .gaveUp: return true
            case .match(let range): position = range.isEmpty ? range.lowerBound + 1 : range.upperBound
            }
        }
        return false
    }
}

/// The regular expression `LogFormat` builds for `format` (placeholders as lazy groups, runs of spaces as `\s+`),
/// and the literal parts between the placeholders; nil when it has no placeholder.
func formatPattern(_ format: String) -> (pattern: String, literals: [String])? {
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

/// Whether `LogFormat.split` takes its byte-engine path for `line` and runs out of steps there (it then calls the
/// line unmatched, by design, where NSRegularExpression would go on).
func formatGivesUp(_ format: String, _ line: String) -> Bool {
    guard let (pattern, literals) = formatPattern(format), LiteralSplitter(literals: literals) == nil,
        let fast = BytePattern(pattern)
    else { return false }
    let trimmed = Array(line.utf8).drop(while: LiteralSplitter.isSpace).reversed().drop(while: LiteralSplitter.isSpace)
        .reversed()
    let bytes = Array(trimmed)
    return bytes.withUnsafeBufferPointer { buffer in
        var captures = [Int](repeating: -1, count: 2 * (fast.groupCount + 1))
        var budget = 4_096 + 256 * buffer.count
        var stack: [BytePattern.Backtrack] = []
        if case .gaveUp = fast.firstMatch(in: buffer, from: 0, captures: &captures, budget: &budget, stack: &stack) {
            return true
        }
        return false
    }
}

/// One input: mine every line, checking what each step promises, then what the miner as a whole promises.
@_cdecl("LLVMFuzzerTestOneInput")
public func logMiningFuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = MinerInput(size > 0 ? data.map { Data(bytes: $0, count: size) } ?? Data() : Data())
    guard var miner = try? LogMiner(format: input.format, masks: input.masks, options: input.options) else {
        return 0
    }
    let masks = input.masks.compactMap { try? Mask($0) }
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
                violated("a miner encodes and decodes", "\(error)")
            }
            if restored?.miner.templates != miner.miner.templates {
                violated("a restored miner has the same templates", "\(line)")
            }
        }
        // The byte engines agree with NSRegularExpression wherever they do not give up by design.
        if let format = miner.format, isASCII(line), !formatGivesUp(format.format, line) {
            let fast = format.split(line)?.fields
            let reference = format.referenceSplit(line)
            if fast != reference {
                violated("the format splits like NSRegularExpression", "\(format.format) on \(line): \(fast as Any) "
                    + "!= \(reference as Any)")
            }
        }
        let parsed = miner.split(line)
        var text = parsed.content
        for mask in masks {
            if isASCII(text), let fast = mask.fastReplace(in: text), !maskGivesUp(mask, text) {
                let slow = mask.slowReplace(in: text)
                if fast != slow { violated("a mask replaces like NSRegularExpression", "\(text): \(fast) != \(slow)") }
            }
            text = mask.replace(in: text)
        }
        let masked = miner.masker.mask(parsed.content)
        if masked != text { violated("the masker applies its masks in order", "\(masked) != \(text)") }

        let (_, match) = miner.add(line: line)
        if match.template.id != TemplateID(templateText: match.template.text) {
            violated("a template's id is the hash of its text", match.template.text)
        }
        if !covers(match.template.text, masked) {
            violated("a mined template matches its line", "\(match.template.text) for \(masked)")
        }
        if var other = restored {
            let again = other.add(line: line).match
            restored = other
            if again.template.id != match.template.id {
                violated("a restored miner mines as the running one", "\(again.template.text) != \(match.template.text)")
            }
        }
        matches.append((line, masked, match))
        given.insert(match.template.id)
        if let replaced = match.replaced { given.insert(replaced) }
        given.formUnion(match.merged)
    }

    let live = miner.miner.templates
    if live.reduce(0, { $0 + $1.count }) != input.lines.count {
        violated("every line is counted once", "\(live.map(\.count)) for \(input.lines.count) lines")
    }
    if Set(live.map(\.id)).count != live.count || Set(live.map(\.text)).count != live.count {
        violated("live templates are distinct", "\(live.map(\.text))")
    }
    let liveIDs = Set(live.map(\.id))
    for (line, masked, match) in matches {
        let current = miner.miner.current(match)
        if !liveIDs.contains(current.id) { violated("a line's current template is live", current.text) }
        if !covers(current.text, masked) {
            violated("a line's current template still matches it", "\(current.text) for \(masked)")
        }
        if miner.match(line: line).template?.id != current.id {
            violated("match(line:) finds the line's template", "\(line) -> \(current.text)")
        }
    }
    for id in given where miner.miner.current(id: id).map({ liveIDs.contains($0.id) }) != true {
        violated("every id given resolves to a live template", id.rawValue)
    }
    if let restored, restored.miner.templates != live {
        violated("a restored miner ends with the same templates", "\(restored.miner.templates.map(\.text))")
    }
    _ = LogText.csv(matches.map { miner.miner.current($0.match) })
    return 0
}

/// The executable's entry point (SwiftPM's `main` alias): run libFuzzer's driver with our callback.
@_cdecl("LogMiningFuzz_main")
public func logMiningFuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    var argc = argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&argc, &argv, logMiningFuzzTestOneInput)
}
