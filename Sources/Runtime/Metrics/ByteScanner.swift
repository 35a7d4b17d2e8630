/// A cursor over the bytes of a /proc or cgroup file that parses numbers and fields without allocating.
///
/// The files it reads are ASCII written by the kernel: fields separated by spaces or tabs, records by newlines.
struct ByteScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var index: Int

    init(_ bytes: UnsafeBufferPointer<UInt8>, from index: Int = 0) {
        self.bytes = bytes
        self.index = index
    }

    var isAtEnd: Bool { index >= bytes.count }

    /// Skips spaces and tabs (not newlines: a record ends at its newline).
    mutating func skipBlanks() {
        while index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") {
            index += 1
        }
    }

    /// Skips one blank-separated field and the blanks before it.
    mutating func skipField() {
        skipBlanks()
        while index < bytes.count, !Self.isSeparator(bytes[index]) {
            index += 1
        }
    }

    mutating func skipFields(_ count: Int) {
        for _ in 0..<count { skipField() }
    }

    /// Moves past the next newline, or to the end.
    mutating func skipLine() {
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "\n") { return }
        }
    }

    /// Reads an unsigned decimal after optional blanks; nil if there are no digits.
    mutating func readUInt64() -> UInt64? {
        skipBlanks()
        var value: UInt64 = 0
        var digits = 0
        while index < bytes.count {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { break }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit))
            value = overflow1 || overflow2 ? UInt64.max : sum
            digits += 1
            index += 1
        }
        return digits > 0 ? value : nil
    }

    /// Reads a signed decimal; negative values are clamped to zero (the counters read here never go below it).
    mutating func readClampedInt() -> UInt64? {
        skipBlanks()
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") {
            index += 1
            return readUInt64().map { _ in 0 }
        }
        return readUInt64()
    }

    /// Reads a decimal such as `0.52` (the load averages); no exponents. The digits are gathered into one integer
    /// and divided once, so `6.12` reads as exactly the double nearest 6.12.
    mutating func readDouble() -> Double? {
        guard let whole = readUInt64() else { return nil }
        guard index < bytes.count, bytes[index] == UInt8(ascii: ".") else { return Double(whole) }
        index += 1
        var mantissa = whole
        var scale: Double = 1
        while index < bytes.count, scale < 1e15 {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { break }
            mantissa = mantissa &* 10 &+ UInt64(digit)
            scale *= 10
            index += 1
        }
        while index < bytes.count, bytes[index] &- UInt8(ascii: "0") < 10 { index += 1 }
        return Double(mantissa) / scale
    }

    /// Whether the bytes at the cursor start with `literal`.
    func hasPrefix(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - index >= count else { return false }
        let start = literal.utf8Start
        for offset in 0..<count where bytes[index + offset] != start[offset] {
            return false
        }
        return true
    }

    /// Advances past `literal` if the bytes at the cursor start with it.
    mutating func consume(_ literal: StaticString) -> Bool {
        guard hasPrefix(literal) else { return false }
        index += literal.utf8CodeUnitCount
        return true
    }

    /// Moves to the start of the first line that begins with `prefix` and past the prefix; false if none does.
    mutating func seekLine(startingWith prefix: StaticString) -> Bool {
        while !isAtEnd {
            if consume(prefix) { return true }
            skipLine()
        }
        return false
    }

    private static func isSeparator(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
    }
}
