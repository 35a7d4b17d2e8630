/// Splits a masked message into tokens and marks the ones that are variables before any grouping.
enum Tokenizer {
    static let wildcard = "<*>"

    /// Whitespace-separated tokens; a token containing a mask's `<*>`, or (with `digitsAreVariables`) a digit,
    /// becomes `<*>`.
    static func tokens(_ text: String, digitsAreVariables: Bool) -> [String] {
        var text = text
        return text.withUTF8 { buffer in
            var tokens: [String] = []
            var index = 0
            let count = buffer.count
            while index < count {
                while index < count, isSpace(buffer[index]) { index += 1 }
                guard index < count else { break }
                let start = index
                var variable = false
                while index < count, !isSpace(buffer[index]) {
                    let byte = buffer[index]
                    if digitsAreVariables, byte >= 0x30, byte <= 0x39 {
                        variable = true
                    } else if byte == 0x2A, index > start, index + 1 < count, buffer[index - 1] == 0x3C,
                        buffer[index + 1] == 0x3E
                    {
                        variable = true
                    }
                    index += 1
                }
                if variable {
                    tokens.append(wildcard)
                } else {
                    tokens.append(String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<index]), as: UTF8.self))
                }
            }
            return tokens
        }
    }

    @inline(__always) static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }
}
