/// Splits a byte stream into lines with bounded memory: the state machine behind ``LogCapture``, apart from
/// its I/O.
///
/// A line longer than `maxLineBytes` keeps its first `maxLineBytes` (cut back to a UTF-8 character boundary);
/// the rest up to the next newline is counted and dropped, and the emitted text says how much was dropped.
/// A trailing `\r` (CRLF output) is removed.
struct LineSplitter {
    static let defaultMaxLineBytes = 16 * 1024

    let maxLineBytes: Int
    /// The start of the current line when it spans reads; never more than `maxLineBytes`.
    private var pending: [UInt8] = []
    /// Bytes of the current line beyond `maxLineBytes`.
    private var dropped = 0

    init(maxLineBytes: Int = LineSplitter.defaultMaxLineBytes) {
        self.maxLineBytes = max(1, maxLineBytes)
    }

    /// Splits `chunk`, calling `emit` for every line it completes.
    mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>, _ emit: (String) -> Void) {
        var start = 0
        while start < chunk.count {
            guard let newline = chunk[start...].firstIndex(of: UInt8(ascii: "\n")) else {
                accumulate(UnsafeBufferPointer(rebasing: chunk[start...]))
                return
            }
            let segment = UnsafeBufferPointer(rebasing: chunk[start..<newline])
            if pending.isEmpty, dropped == 0, segment.count <= maxLineBytes {
                emit(Self.text(segment, dropped: 0))  // the common case: the whole line is in this read
            } else {
                accumulate(segment)
                emit(pending.withUnsafeBufferPointer { Self.text($0, dropped: dropped) })
                pending.removeAll(keepingCapacity: true)
                dropped = 0
            }
            start = newline + 1
        }
    }

    /// Emits the unterminated last line, if any (at EOF).
    mutating func finish(_ emit: (String) -> Void) {
        guard !pending.isEmpty || dropped > 0 else { return }
        emit(pending.withUnsafeBufferPointer { Self.text($0, dropped: dropped) })
        pending.removeAll(keepingCapacity: true)
        dropped = 0
    }

    private mutating func accumulate(_ bytes: UnsafeBufferPointer<UInt8>) {
        let room = maxLineBytes - pending.count
        if bytes.count <= room {
            pending.append(contentsOf: bytes)
        } else {
            pending.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[..<room]))
            dropped += bytes.count - room
        }
    }

    private static func text(_ bytes: UnsafeBufferPointer<UInt8>, dropped: Int) -> String {
        guard dropped > 0 else {
            var count = bytes.count
            if count > 0, bytes[count - 1] == UInt8(ascii: "\r") { count -= 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[..<count]), as: UTF8.self)
        }
        let kept = utf8Boundary(bytes)
        let cut = dropped + (bytes.count - kept)
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[..<kept]), as: UTF8.self)
            + " [truncated \(cut) bytes]"
    }

    /// The length of `bytes` without a UTF-8 sequence that the cut left incomplete at the end.
    static func utf8Boundary(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var end = bytes.count
        var continuation = 0
        // Walk back over at most three continuation bytes (10xxxxxx) to the lead byte.
        while end > 0, continuation < 3, bytes[end - 1] & 0xC0 == 0x80 {
            end -= 1
            continuation += 1
        }
        guard end > 0 else { return bytes.count }
        let lead = bytes[end - 1]
        let length: Int
        switch lead {
        case 0x00..<0x80: return bytes.count  // ASCII: nothing open
        case 0xC0..<0xE0: length = 2
        case 0xE0..<0xF0: length = 3
        case 0xF0..<0xF8: length = 4
        default: return bytes.count  // invalid: leave it to the decoder's replacement character
        }
        return continuation + 1 >= length ? bytes.count : end - 1
    }
}
