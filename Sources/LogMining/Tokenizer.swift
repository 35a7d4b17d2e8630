/// Splits a masked message into tokens and marks the ones that are variables before any grouping. The rules are
/// about the shape of values in logs in general, never about one system: numbers, ids and addresses carry
/// digits; paths carry slashes; a `key=value` token keeps its key and varies in its value; dates name weekdays
/// and months; sizes change unit with magnitude; host, file and class names are dotted; a token of punctuation only
/// is an empty or placeholder value.
enum Tokenizer {
    static let wildcard = "<*>"

    static let calendarWords: Set<String> = [
        "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun",
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
        "January", "February", "March", "April", "June", "July", "August", "September", "October", "November",
        "December",
    ]

    /// Whitespace-separated tokens with variables replaced (see the type's comment). With `digitsAreVariables`
    /// false only a mask's `<*>` makes a token variable.
    static func tokens(_ text: String, digitsAreVariables: Bool) -> [String] {
        tokens(ofKey: key(text, digitsAreVariables: digitsAreVariables))
    }

    /// The tokens of a key made by `key(_:digitsAreVariables:)`, split at the space bytes that `key` put between
    /// them. Not at `Character`s: a space followed by a combining mark (`" \u{0592}s"`) is one grapheme, which a
    /// split on `" "` would not cut, and the line would get fewer tokens than its key has.
    static func tokens(ofKey key: String) -> [String] {
        key.isEmpty
            ? [] : key.utf8.split(separator: 0x20, omittingEmptySubsequences: false).map { String(Substring($0)) }
    }

    /// The tokens, variables replaced, joined by single spaces: the text of the most specific template of the
    /// line, and the key under which the miner remembers where such lines went. Built in one pass over the bytes,
    /// because most lines need nothing else.
    ///
    /// With `joiningValueRuns`, consecutive variables are one `<*>`: a value that the spaces cut into several
    /// tokens (`10.0.0.1 (10.0.0.2)`, `C:\Program Files\x`, a list of addresses, `1.2 KB`) is still one value,
    /// so the same statement has the same key whatever its values' widths. A line with no constant token keeps
    /// one `<*>` per token: with nothing to align, its length is the only evidence of what it is.
    static func key(_ text: String, digitsAreVariables: Bool, joiningValueRuns: Bool = false) -> String {
        var text = text
        return text.withUTF8 { buffer in
            var output: [UInt8] = []
            output.reserveCapacity(buffer.count)
            var index = 0
            let count = buffer.count
            // Variables and constants written; whether the last token written was a lone `<*>`.
            var variables = 0
            var constants = 0
            var lastWasVariable = false
            /// Writes one token's output: a lone `<*>` right after another is left out when joining runs.
            func emit(variable: Bool, _ write: (inout [UInt8]) -> Void) {
                if variable {
                    variables += 1
                    if joiningValueRuns, lastWasVariable { return }
                } else {
                    constants += 1
                }
                if !output.isEmpty { output.append(0x20) }
                write(&output)
                lastWasVariable = variable
            }
            while index < count {
                while index < count, isSpace(buffer[index]) { index += 1 }
                guard index < count else { break }
                let start = index
                var masked = false
                var digit = false
                var slash = false
                var letter = false
                var equals = -1
                // A slash before the `=`: a path or URL with a query (`/v2/detail?all=True`), not a `key=value`.
                var pathKey = false
                var innerDot = false
                while index < count, !isSpace(buffer[index]) {
                    let byte = buffer[index]
                    switch byte {
                    case 0x30...0x39: digit = true
                    case 0x41...0x5A, 0x61...0x7A, 0x80...0xFF: letter = true
                    case 0x2F, 0x5C:
                        slash = true
                        if equals < 0 { pathKey = true }
                    case 0x2E:
                        if index > start, index + 1 < count, isNameByte(buffer[index - 1]),
                            isNameByte(buffer[index + 1])
                        {
                            innerDot = true
                        }
                    case 0x3D: if equals < 0 { equals = index }
                    case 0x2A:
                        if index > start, index + 1 < count, buffer[index - 1] == 0x3C, buffer[index + 1] == 0x3E {
                            masked = true
                        }
                    default: break
                    }
                    index += 1
                }
                let token = UnsafeBufferPointer(rebasing: buffer[start..<index])
                if !digitsAreVariables {
                    if masked {
                        emit(variable: true) { $0.append(contentsOf: wildcardBytes) }
                    } else {
                        emit(variable: false) { $0.append(contentsOf: token) }
                    }
                } else if equals > start, !pathKey, equals + 1 < index,
                    valueIsVariable(buffer, from: equals + 1, to: index)
                {
                    // key=value: the key stays constant, the value is a variable.
                    emit(variable: false) {
                        $0.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start...equals]))
                        $0.append(contentsOf: wildcardBytes)
                    }
                } else if equals > start, !pathKey {
                    emit(variable: false) { $0.append(contentsOf: token) }
                } else if masked || digit || slash || (innerDot && isDottedName(token)) || !letter
                    || isCalendarWord(token)
                {
                    emit(variable: true) { $0.append(contentsOf: wildcardBytes) }
                } else {
                    emit(variable: false) { $0.append(contentsOf: token) }
                }
            }
            if joiningValueRuns, constants == 0, variables > 1 {
                return Array(repeating: wildcard, count: variables).joined(separator: " ")
            }
            return String(decoding: output, as: UTF8.self)
        }
    }

    /// What a constant word of a template becomes once it is shown to vary: `<*>`, or `key=<*>` for a `key=value`
    /// word, whose key stays constant (as the key of a value-shaped `key=value` does from the start).
    static func variable(of word: String) -> String {
        guard let equals = word.utf8.firstIndex(of: 0x3D), equals != word.utf8.startIndex,
            word.utf8.index(after: equals) != word.utf8.endIndex
        else { return wildcard }
        return String(word[...equals]) + wildcard
    }

    /// Whether a template's word is a variable already: `<*>` or `key=<*>`.
    static func isVariable(_ word: String) -> Bool {
        word == wildcard || word.hasSuffix("=<*>") && variable(of: word) == word
    }

    /// Whether a template's word `template` takes the line's word `word`: the same word, `<*>`, or `key=<*>` and
    /// `word` has that key and a value.
    static func takes(_ template: String, _ word: String) -> Bool {
        if template == word || template == wildcard { return true }
        guard template.utf8.count > 4, template.hasSuffix("=<*>") else { return false }
        let key = template.utf8.dropLast(3)
        return word.utf8.count > key.count && word.utf8.starts(with: key)
    }

    /// The word of a template where it and a line's word differ: `key=<*>` when both are values of one key,
    /// `<*>` otherwise.
    static func generalised(_ template: String, _ word: String) -> String {
        let variable = variable(of: template)
        return variable != wildcard && takes(variable, word) ? variable : wildcard
    }

    /// `host.example.com`, `chrome.exe`, `org.example.Handler`: names made of dotted parts (a final punctuation
    /// mark allowed) are host, file and class names, values in a message. A dotted part of a larger token
    /// (`action:android.intent.SCREEN_ON`) is not: that token names a constant.
    static func isDottedName(_ token: UnsafeBufferPointer<UInt8>) -> Bool {
        var end = token.count
        if end > 0, !isNameByte(token[end - 1]) { end -= 1 }
        for index in 0..<end where !isNameByte(token[index]) && token[index] != 0x2E { return false }
        return true
    }

    @inline(__always) static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F || byte == 0x2D
    }

    private static let wildcardBytes: [UInt8] = [0x3C, 0x2A, 0x3E]

    /// Size units: the unit of a size varies with its magnitude (`512 B`, `3.2 KB`), so it is part of the value.
    static let sizeUnits: Set<String> = ["B", "KB", "MB", "GB", "TB", "PB", "KiB", "MiB", "GiB", "TiB", "PiB"]

    /// A weekday, a month or a size unit, with at most one trailing punctuation mark (`Jul,`, `KB)`).
    private static func isCalendarWord(_ token: UnsafeBufferPointer<UInt8>) -> Bool {
        guard token.count >= 1, token.count <= 10, token[0] >= 0x41, token[0] <= 0x5A else { return false }
        var word = token
        if let last = word.last, !isNameByte(last) { word = UnsafeBufferPointer(rebasing: word.dropLast()) }
        guard !word.isEmpty else { return false }
        let string = String(decoding: word, as: UTF8.self)
        return calendarWords.contains(string) || sizeUnits.contains(string)
    }

    /// A value after `=` is a variable when it looks like one: digits, a path, a dotted name or address, a
    /// mask's `<*>`, or no letters at all. A plain word (`user=root`) is kept: it often names the event.
    static func valueIsVariable(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Bool {
        var letter = false
        for index in start..<end {
            switch buffer[index] {
            case 0x30...0x39, 0x2F, 0x2E, 0x3C: return true
            case 0x41...0x5A, 0x61...0x7A, 0x80...0xFF: letter = true
            default: break
            }
        }
        return !letter
    }

    @inline(__always) static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }
}
