import GraceAPIModels
import Hummingbird
import NIOCore

/// The request context: Hummingbird's core storage, the client's address (the key of its rate limits), and the
/// API's JSON conventions for bodies in and out.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The client's IP address as text.
    public var client: String { remoteAddress?.ipAddress ?? "unknown" }

    public var requestDecoder: APIRequestDecoder { APIRequestDecoder() }
    public var responseEncoder: APIResponseEncoder { APIResponseEncoder() }

    /// Bodies beyond this are refused with 413 (`too_large`).
    public var maxUploadSize: Int { APIRequestContext.bodyLimit }
    static let bodyLimit = 64 * 1024
}
