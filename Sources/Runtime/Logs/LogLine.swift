import Foundation

/// One line a kernel wrote to its stdout or stderr, without the newline.
public struct LogLine: Sendable, Equatable {
    /// Which output of the kernel a line came from.
    public enum Stream: String, Sendable, Equatable, CaseIterable {
        /// Standard output.
        case stdout
        /// Standard error.
        case stderr
    }

    /// The kernel that wrote it.
    public var kernel: String
    /// The output it came from.
    public var stream: Stream
    /// The line as UTF-8 (invalid bytes replaced). A line over 16 KiB keeps its first 16 KiB followed by
    /// `" [truncated N bytes]"`.
    public var text: String
    /// When Grace read the end of the line.
    public var time: Date

    /// A line as the capture read it.
    public init(kernel: String, stream: Stream, text: String, time: Date) {
        self.kernel = kernel
        self.stream = stream
        self.text = text
        self.time = time
    }
}
