import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A Server-Sent Events reader over URLSession's incremental delivery: yields the `data:` of each message as it
/// arrives (comments and keep-alives are skipped).
final class EventSource: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    enum Event: Sendable {
        case message(String)
        case failed(String)
    }

    // Touched only from the session's serial delegate queue.
    private var buffer = Data()
    private let continuation: AsyncStream<Event>.Continuation

    private init(continuation: AsyncStream<Event>.Continuation) {
        self.continuation = continuation
    }

    static func events(url: URL, token: String?) -> AsyncStream<Event> {
        AsyncStream { continuation in
            let reader = EventSource(continuation: continuation)
            let queue = OperationQueue()
            queue.maxConcurrentOperationCount = 1
            let session = URLSession(configuration: .default, delegate: reader, delegateQueue: queue)
            var request = URLRequest(url: url)
            request.setValue("text/event-stream", forHTTPHeaderField: "Accept")
            request.timeoutInterval = 24 * 3600
            if let token { request.setValue("Bearer " + token, forHTTPHeaderField: "Authorization") }
            let task = session.dataTask(with: request)
            continuation.onTermination = { _ in
                task.cancel()
                session.invalidateAndCancel()
            }
            task.resume()
        }
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 else {
            continuation.yield(.failed("HTTP \(status)"))
            continuation.finish()
            completionHandler(.cancel)
            return
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        buffer.append(data)
        // Messages end with a blank line; accept CRLF too.
        while let end = Self.messageEnd(in: buffer) {
            let message = String(decoding: buffer[buffer.startIndex..<end.lowerBound], as: UTF8.self)
            buffer.removeSubrange(buffer.startIndex..<end.upperBound)
            let data = message.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
                .filter { $0.hasPrefix("data:") }
                .map { line -> Substring in
                    let value = line.dropFirst(5)
                    return value.hasPrefix(" ") ? value.dropFirst() : value
                }
                .joined(separator: "\n")
            if !data.isEmpty { continuation.yield(.message(data)) }
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        continuation.yield(.failed(error?.localizedDescription ?? "the server closed the stream"))
        continuation.finish()
    }

    private static func messageEnd(in data: Data) -> Range<Data.Index>? {
        let lf = data.range(of: Data("\n\n".utf8))
        let crlf = data.range(of: Data("\r\n\r\n".utf8))
        switch (lf, crlf) {
        case (let a?, let b?): return a.lowerBound <= b.lowerBound ? a : b
        case (let a?, nil): return a
        case (nil, let b?): return b
        default: return nil
        }
    }
}
