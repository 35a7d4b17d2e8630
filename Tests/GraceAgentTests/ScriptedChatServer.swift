import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A stand-in for an OpenAI-compatible endpoint on 127.0.0.1 (a random port below the ephemeral range): records every request and
/// answers each with what `script` says. No model is reachable on the machines these tests run on.
final class ScriptedChatServer: @unchecked Sendable {
    // @unchecked: `recorded` is only touched under `lock`; the channel is set once in `start`.
    struct Request: Sendable {
        var method: String
        var uri: String
        var headers: [String: String]
        var body: Data

        /// The body as a JSON object.
        var json: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        }
    }

    typealias Script = @Sendable (Request) -> (status: Int, body: String)

    private let lock = NSLock()
    private var recorded: [Request] = []
    private let script: Script
    private var channel: (any Channel)?

    private init(script: @escaping Script) {
        self.script = script
    }

    /// A server answering with `script`, listening.
    static func start(_ script: @escaping Script) async throws -> ScriptedChatServer {
        let server = ScriptedChatServer(script: script)
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(server: server))
                }
            }
        // Below the ephemeral range (32768-60999 here): other tests of this process pick free ports there
        // (bind to 0, close, let a child bind it), and a server of ours must never take one in between.
        var lastError: (any Error)?
        for _ in 0..<50 {
            do {
                server.channel = try await bootstrap.bind(host: "127.0.0.1", port: Int.random(in: 20_000..<30_000))
                    .get()
                return server
            } catch {
                lastError = error
            }
        }
        throw lastError ?? ChannelError.inappropriateOperationForState
    }

    /// A server whose every answer is a chat completion with `content` as the message's content.
    static func answering(content: String) async throws -> ScriptedChatServer {
        try await start { _ in (200, completion(content: content)) }
    }

    /// A chat-completions response body with one choice.
    static func completion(content: String?, refusal: String? = nil) -> String {
        var message: [String: Any] = ["role": "assistant"]
        message["content"] = content ?? NSNull()
        if let refusal { message["refusal"] = refusal }
        let body: [String: Any] = [
            "id": "scripted", "object": "chat.completion", "choices": [["index": 0, "message": message]],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: body)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// The base URL to configure as `agent.endpoint`.
    var endpoint: String { "http://127.0.0.1:\(channel?.localAddress?.port ?? 0)/v1" }

    /// The requests received so far.
    var requests: [Request] { lock.withLock { recorded } }

    /// Stops listening.
    func stop() async {
        try? await channel?.close()
    }

    fileprivate func answer(_ request: Request) -> (status: Int, body: String) {
        lock.withLock { recorded.append(request) }
        return script(request)
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let server: ScriptedChatServer
        var head: HTTPRequestHead?
        var body = Data()

        init(server: ScriptedChatServer) {
            self.server = server
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = Data()
            case .body(let buffer):
                body.append(contentsOf: buffer.readableBytesView)
            case .end:
                guard let head else { return }
                var headers: [String: String] = [:]
                for (name, value) in head.headers { headers[name.lowercased()] = value }
                let (status, text) = server.answer(
                    Request(method: "\(head.method)", uri: head.uri, headers: headers, body: body))
                var responseHeaders = HTTPHeaders()
                responseHeaders.add(name: "Content-Type", value: "application/json")
                responseHeaders.add(name: "Content-Length", value: String(text.utf8.count))
                responseHeaders.add(name: "Connection", value: "close")
                let responseHead = HTTPResponseHead(
                    version: head.version, status: HTTPResponseStatus(statusCode: status), headers: responseHeaders)
                context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
            }
        }
    }
}
