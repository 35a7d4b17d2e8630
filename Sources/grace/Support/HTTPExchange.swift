import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// One HTTP/1.1 exchange with Grace's API over SwiftNIO, which grace links anyway for the API server.
///
/// Not URLSession: on Linux it lives in FoundationNetworking, which loads libcurl and about twenty more shared
/// libraries (GnuTLS, Kerberos, LDAP, SSH...) into every grace process, `grace run` included — 4 MiB of resident
/// memory and a slower start for a client that only speaks plain HTTP to a local API. Not AsyncHTTPClient: it would
/// add swift-nio-ssl (BoringSSL) to the build for the same reason.
enum HTTPExchange {
    /// What arrives: the status first, then the body in pieces as they come.
    enum Part: Sendable {
        case status(Int)
        case body([UInt8])
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Sends a request and streams the answer; the connection closes when the stream ends or is dropped.
    static func stream(
        method: String, url: URL, headers: [(String, String)] = [], body: [UInt8]? = nil,
        timeout: TimeAmount? = nil
    ) -> AsyncThrowingStream<Part, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await exchange(method: method, url: url, headers: headers, body: body, timeout: timeout) {
                        continuation.yield($0)
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Sends a request and collects the whole answer.
    static func send(
        method: String, url: URL, headers: [(String, String)] = [], body: [UInt8]? = nil,
        timeout: TimeAmount = .seconds(300)
    ) async throws -> (status: Int, body: [UInt8]) {
        var status = 0
        var data: [UInt8] = []
        try await exchange(method: method, url: url, headers: headers, body: body, timeout: timeout) { part in
            switch part {
            case .status(let code): status = code
            case .body(let bytes): data += bytes
            }
        }
        return (status, data)
    }

    private static func exchange(
        method: String, url: URL, headers: [(String, String)], body: [UInt8]?, timeout: TimeAmount?,
        _ deliver: (Part) -> Void
    ) async throws {
        guard url.scheme == "http", let host = url.host, !host.isEmpty else {
            throw Failure(description: "only http:// URLs are supported (got \(url.absoluteString))")
        }
        let port = url.port ?? 80
        var target = url.path.isEmpty ? "/" : url.path
        if let query = url.query { target += "?" + query }
        let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(10))
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                            wrappingChannelSynchronously: channel)
                    }
                }
        } catch let error as NIOConnectionError {
            // NIO's description lists every address tried; the reason of the last one is what people need.
            let reason =
                error.connectionErrors.last.map { failure in
                    (failure.error as? IOError).map { String(cString: strerror($0.errnoCode)).lowercased() }
                        ?? String(describing: failure.error)
                } ?? error.dnsAError.map { "cannot resolve \(host): \($0)" } ?? "cannot connect"
            throw Failure(description: reason)
        }
        // A timeout, and cancelling the task (the caller dropped the stream), close the connection, which ends the
        // loop below.
        let timedOut = NIOLockedValueBox(false)
        let timer = timeout.map { limit in
            channel.channel.eventLoop.scheduleTask(in: limit) {
                timedOut.withLockedValue { $0 = true }
                channel.channel.close(promise: nil)
            }
        }
        defer { timer?.cancel() }
        do {
            try await withTaskCancellationHandler {
                try await channel.executeThenClose { inbound, outbound in
                    var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: target)
                    let authority = host.contains(":") ? "[\(host)]" : host  // an IPv6 literal goes in brackets
                    head.headers.add(name: "Host", value: url.port.map { "\(authority):\($0)" } ?? authority)
                    head.headers.add(name: "User-Agent", value: "grace")
                    head.headers.add(name: "Connection", value: "close")
                    for (name, value) in headers { head.headers.add(name: name, value: value) }
                    if let body { head.headers.add(name: "Content-Length", value: String(body.count)) }
                    try await outbound.write(.head(head))
                    if let body, !body.isEmpty { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
                    try await outbound.write(.end(nil))
                    for try await part in inbound {
                        switch part {
                        case .head(let response): deliver(.status(Int(response.status.code)))
                        case .body(var buffer): deliver(.body(buffer.readBytes(length: buffer.readableBytes) ?? []))
                        case .end: return
                        }
                    }
                    throw Failure(description: "the connection closed before the answer ended")
                }
            } onCancel: {
                channel.channel.close(promise: nil)
            }
        } catch  where timedOut.withLockedValue({ $0 }) {
            throw Failure(description: "no answer within \(timeout.map { $0.nanoseconds / 1_000_000_000 } ?? 0) s")
        }
    }
}
