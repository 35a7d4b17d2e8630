import Foundation

/// A Server-Sent Events reader: yields the `data:` of each message as it arrives (comments and keep-alives are
/// skipped), over one streamed `HTTPExchange`.
enum EventSource {
    enum Event: Sendable {
        case message(String)
        case failed(String)
    }

    static func events(url: URL, token: String?) -> AsyncStream<Event> {
        AsyncStream { continuation in
            let task = Task {
                var headers = [("Accept", "text/event-stream")]
                if let token { headers.append(("Authorization", "Bearer " + token)) }
                var buffer: [UInt8] = []
                do {
                    for try await part in HTTPExchange.stream(method: "GET", url: url, headers: headers) {
                        switch part {
                        case .status(let status) where status != 200:
                            continuation.yield(.failed("HTTP \(status)"))
                            continuation.finish()
                            return
                        case .status:
                            break
                        case .body(let bytes):
                            buffer += bytes
                            for message in takeMessages(from: &buffer) { continuation.yield(.message(message)) }
                        }
                    }
                    continuation.yield(.failed("the server closed the stream"))
                } catch {
                    continuation.yield(.failed(String(describing: error)))
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Removes every complete message (ended by a blank line; CRLF accepted) from `buffer` and returns the
    /// `data:` lines of each, joined, skipping messages without data.
    static func takeMessages(from buffer: inout [UInt8]) -> [String] {
        var messages: [String] = []
        while let end = messageEnd(in: buffer) {
            let message = String(decoding: buffer[..<end.lowerBound], as: UTF8.self)
            buffer.removeSubrange(..<end.upperBound)
            let data = message.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
                .filter { $0.hasPrefix("data:") }
                .map { line -> Substring in
                    let value = line.dropFirst(5)
                    return value.hasPrefix(" ") ? value.dropFirst() : value
                }
                .joined(separator: "\n")
            if !data.isEmpty { messages.append(data) }
        }
        return messages
    }

    /// The first blank line: "\n\n" or "\r\n\r\n", whichever comes first.
    private static func messageEnd(in bytes: [UInt8]) -> Range<Int>? {
        var i = 0
        while i + 1 < bytes.count {
            if bytes[i] == 0x0A {
                if bytes[i + 1] == 0x0A { return i..<(i + 2) }
                if i >= 1, bytes[i - 1] == 0x0D, i + 2 < bytes.count, bytes[i + 1] == 0x0D, bytes[i + 2] == 0x0A {
                    return (i - 1)..<(i + 3)
                }
            }
            i += 1
        }
        return nil
    }
}
